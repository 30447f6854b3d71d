/**
 * Request paths: a resolved path is reused for the next request to it, and a query never sticks
 * to it; bad paths are refused every time, not only the first.
 */
import 'should';
import { HttpClient } from '../../nodes/lib/http';
import { json, startHttp } from '../support/servers';
import { otFailure } from '../support/errors';

describe('client: request paths', () => {
  it('sends each request with its own query, also to a path it resolved before', async () => {
    const server = await startHttp((_req, res) => json(res, 200, { ok: true }));
    try {
      const client = new HttpClient({ name: 'test', baseUrl: `${server.url}/api` });
      await client.request({ operation: 'a', method: 'GET', path: 'v2/nodes/7', query: { fields: 'properties' } });
      await client.request({ operation: 'b', method: 'GET', path: 'v2/nodes/7' });
      await client.request({ operation: 'c', method: 'GET', path: 'v2/nodes/7', query: { limit: 5, where_type: undefined } });
      await client.request({ operation: 'd', method: 'GET', path: 'v2/nodes/7' });
      server.requests.map((r) => r.url).should.eql(['/api/v2/nodes/7?fields=properties', '/api/v2/nodes/7', '/api/v2/nodes/7?limit=5', '/api/v2/nodes/7']);
      for (let i = 0; i < 300; i++) client.resolve(`v2/nodes/${i}`).pathname.should.equal(`/api/v2/nodes/${i}`);
      client.resolve('v2/nodes/7').href.should.equal(`${server.url}/api/v2/nodes/7`);
      client.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a path that leaves the base URL or the origin, every time', async () => {
    const client = new HttpClient({ name: 'test', baseUrl: 'http://127.0.0.1:9/api' });
    for (let i = 0; i < 2; i++) {
      (await otFailure(client.request({ operation: 'x', method: 'GET', path: '../other' }))).code.should.equal('OT_INVALID_INPUT');
      (await otFailure(client.request({ operation: 'x', method: 'GET', path: 'http://elsewhere.example/api/v2' }))).code.should.equal('OT_INVALID_INPUT');
    }
    client.close();
  });
});
