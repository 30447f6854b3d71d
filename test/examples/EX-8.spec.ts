/**
 * Example EX-8 "Document lifecycle status tracking", deployed as shipped: the document is generated,
 * stored and pushed; its Tracking Status in Extended ECM moves generated -> sent -> opened ->
 * completed, in order, each step once, driven by the push's opened and answer events and the
 * portal's access event; repeated and out-of-order events never move it backwards; after the
 * flow's index is lost (a restart) the status is rebuilt from Extended ECM; an event for an unknown
 * document changes nothing.
 */
import should from 'should';
import { readExample, useExamples, type Deployed } from '../support/examples';
import { collect, until } from '../support/nr';
import { stored } from '../xecm/cs-support';
import { answerPush, checkShape, COMM, customerDocument, docsIn, FOLDER, generated, postEvent, pushesTo, registerWebhooks, sleep, WEBHOOK_SECRET, type Obj } from './EX-support';

const EXAMPLE = `${FOLDER}/EX-8 Document lifecycle status tracking`;

interface FlowContextNode {
  context(): { flow: { get(k: string): unknown; set(k: string, v: unknown): void } };
}
interface Tracked {
  tracking: { correlationId: string; status: string; source: string };
}

describe('example EX-8 Document lifecycle status tracking', function () {
  this.timeout(60000);
  const h = useExamples();

  /** Deploys, sends the letter and waits until it is "sent"; answers the document and its correlation id. */
  async function send(): Promise<{ d: Deployed; url: string; docId: number; corr: string; recorded: Tracked[]; ignored: Array<{ note: string }> }> {
    const d = await h.deploy(EXAMPLE, { extraCredentials: { ex8_events: { secret: WEBHOOK_SECRET } } });
    const url = await registerWebhooks(h.sb, d, 'ex8_events', ['push']);
    const recorded = collect<Tracked>(d.node('ex8_recorded'));
    const ignored = collect<{ note: string }>(d.node('ex8_ignored'));
    d.trigger('ex8_send');
    await until(() => recorded.length === 1, 20000, 'status sent');
    const docs = docsIn(h.sb, 'C-1003', 'Correspondence');
    docs.should.have.length(1);
    const corr = String(customerDocument(h.sb, docs[0].id)['9840_7']);
    return { d, url, docId: docs[0].id, corr, recorded, ignored };
  }
  const status = (id: number) => customerDocument(h.sb, id)['9840_4'];
  const history = (d: Deployed, corr: string) =>
    ((JSON.parse(JSON.stringify(d.node<FlowContextNode>('ex8_forward').context().flow.get('ex8Tracking') || {})) as Record<string, { history: Array<{ status: string }> }>)[corr]?.history || []).map((x) => x.status);

  it('ships as documented', async () => {
    checkShape(readExample(EXAMPLE), ['ot-xecm', 'ot-otds', 'ot-exstream', 'ot-messaging']);
    const d = await h.deploy(EXAMPLE);
    should(d.byName('engagement events', 'ot-event-in').types).equal('push.opened,push.response,custom');
  });

  it('moves sent -> opened -> completed in order, each event once; repeated, late and duplicate events change nothing', async () => {
    const { d, url, docId, corr, recorded, ignored } = await send();
    // generated, stored and pushed, all under one correlation id
    corr.should.match(/^trk-C-1003-\d+$/);
    const gen = generated(h.sb, COMM.action, 'C-1003');
    gen.should.have.length(1);
    should(gen[0].correlationId).equal(corr);
    stored(h.sb, docId).sha256.should.equal(gen[0].sha256);
    customerDocument(h.sb, docId).should.containEql({ '9840_2': 'C-1003', '9840_3': 'Action Required', '9840_4': 'sent', '9840_7': corr });
    const job = pushesTo(h.sb, 'cust-1003')[0];
    should(job.reference).equal(corr);
    should(job.notification.deep_link).equal(`${h.sb.url}/otcs/cs.exe/app/nodes/${docId}`);
    job.notification.actions.should.eql([{ id: 'complete', label: 'Done' }]);

    // opened
    await answerPush(h.sb, { reference: corr, user: 'cust-1003', action: 'opened' });
    await until(() => recorded.length === 2, 10000, 'opened');
    should(status(docId)).equal('opened');
    // the same event delivered twice (one event id), another "opened", and the portal's access: nothing changes
    await answerPush(h.sb, { reference: corr, device: 'android-cust-1003', action: 'opened', eventId: 'open-2', repeat: 2 });
    (await postEvent(url, { event: 'document.accessed', correlationId: corr, eventId: 'portal-1' })).status.should.equal(200);
    await until(() => ignored.length === 2, 10000, 'two ignored');
    ignored.map((m) => m.note).should.eql(['opened ignored: the document is already opened', 'opened ignored: the document is already opened']);
    should(status(docId)).equal('opened');

    // completed
    await answerPush(h.sb, { reference: corr, user: 'cust-1003', action: 'complete' });
    await until(() => recorded.length === 3, 10000, 'completed');
    should(status(docId)).equal('completed');
    // late events: never backwards
    await answerPush(h.sb, { reference: corr, user: 'cust-1003', action: 'opened', eventId: 'open-late' });
    (await postEvent(url, { event: 'document.accessed', correlationId: corr, eventId: 'portal-2' })).status.should.equal(200);
    await until(() => ignored.length === 4, 10000, 'late events ignored');
    await sleep(200);
    should(status(docId)).equal('completed');

    recorded.map((m) => m.tracking.status).should.eql(['sent', 'opened', 'completed']);
    recorded.map((m) => m.tracking.source.replace(/psh-\d+/, 'psh-N')).should.eql(['push psh-N', 'push opened', 'push answer complete']);
    history(d, corr).should.eql(['generated', 'sent', 'opened', 'completed']);
  });

  it('out of order: completed before opened stays completed', async () => {
    const { d, url, docId, corr, recorded, ignored } = await send();
    (await postEvent(url, { event: 'document.completed', correlationId: corr, eventId: 'portal-10' })).status.should.equal(200);
    await until(() => recorded.length === 2, 10000, 'completed');
    should(status(docId)).equal('completed');
    await answerPush(h.sb, { reference: corr, user: 'cust-1003', action: 'opened' });
    await until(() => ignored.length === 1, 10000, 'opened ignored');
    ignored[0].note.should.equal('opened ignored: the document is already completed');
    should(status(docId)).equal('completed');
    recorded.map((m) => m.tracking.status).should.eql(['sent', 'completed']);
    history(d, corr).should.eql(['generated', 'sent', 'completed']);
  });

  it('after the index is lost (a restart), the status is rebuilt from Extended ECM and still only moves forward; an unknown document changes nothing', async () => {
    const { d, url, docId, corr, recorded, ignored } = await send();
    const unknown = collect<Tracked>(d.node('ex8_unknown'));
    d.node<FlowContextNode>('ex8_forward').context().flow.set('ex8Tracking', {});
    // "sent" is only in Extended ECM now: a portal access moves it to opened
    (await postEvent(url, { event: 'document.accessed', correlationId: corr, eventId: 'portal-20' })).status.should.equal(200);
    await until(() => recorded.length === 2, 10000, 'opened');
    should(status(docId)).equal('opened');
    history(d, corr).should.eql(['sent', 'opened']);
    // lost again: an "opened" now finds "opened" in Extended ECM and is ignored
    d.node<FlowContextNode>('ex8_forward').context().flow.set('ex8Tracking', {});
    await answerPush(h.sb, { reference: corr, user: 'cust-1003', action: 'opened' });
    await until(() => ignored.length === 1, 10000, 'ignored after the rebuild');
    ignored[0].note.should.equal('opened ignored: the document is already opened');
    // a document Extended ECM does not know
    (await postEvent(url, { event: 'document.completed', correlationId: 'trk-C-9999-1', eventId: 'portal-21' })).status.should.equal(200);
    await until(() => unknown.length === 1, 10000, 'unknown document');
    unknown[0].tracking.correlationId.should.equal('trk-C-9999-1');
    should(status(docId)).equal('opened');
    recorded.map((m) => m.tracking.status).should.eql(['sent', 'opened']);
  });

  it('an answer that is not a tracking event is reported and changes nothing', async () => {
    const { d, docId, corr } = await send();
    const notTracking = collect<{ note: string }>(d.node('ex8_not_tracking'));
    const other = collect<Obj>(d.node('ex8_other'));
    await answerPush(h.sb, { reference: corr, user: 'cust-1003', action: 'dismissed' });
    await until(() => notTracking.length === 1, 10000, 'reported');
    notTracking[0].note.should.equal('not a tracking event');
    should(status(docId)).equal('sent');
    await sleep(200);
    other.should.have.length(0);
  });
});
