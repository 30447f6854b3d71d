/**
 * The baseline: a plain axios client with a keep-alive agent, making the same HTTP requests as the
 * pack's nodes (same paths, methods, content types, fields and headers), without Node-RED and
 * without the pack's client layer. The bench checks that both sides send the same number of
 * requests per call (counted by the sandbox).
 */
import axios, { AxiosInstance } from 'axios';
import FormData from 'form-data';
import http from 'http';

export class PlainClient {
  private readonly ax: AxiosInstance;
  private ticket = '';

  constructor(
    private readonly csUrl: string,
    private readonly username = 'Admin',
    private readonly password = 'sandbox-admin',
    maxSockets = 64,
  ) {
    const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
    this.ax = axios.create({ baseURL: csUrl, httpAgent: agent, headers: { Accept: 'application/json' }, validateStatus: () => true, maxRedirects: 0 });
  }

  private check<T>(what: string, res: { status: number; data: T }): T {
    if (res.status < 200 || res.status >= 300) throw new Error(`plain ${what}: HTTP ${res.status} ${JSON.stringify(res.data).slice(0, 200)}`);
    return res.data;
  }

  async login(): Promise<void> {
    const res = await this.ax.post('/v1/auth', new URLSearchParams({ username: this.username, password: this.password }).toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    this.ticket = this.check<{ ticket: string }>('login', res).ticket;
  }

  private auth(): Record<string, string> {
    return { OTCSTicket: this.ticket };
  }

  /** `POST v2/nodes` multipart: the `body` field with the JSON of the new document, then the file. */
  async upload(parentId: number, name: string, content: Buffer, mimeType = 'text/plain'): Promise<number> {
    const fd = new FormData();
    fd.append('body', JSON.stringify({ type: 144, parent_id: parentId, name }));
    fd.append('file', content, { filename: name, contentType: mimeType, knownLength: content.length });
    const res = await this.ax.post('/v2/nodes', fd, { headers: { ...fd.getHeaders(), ...this.auth() } });
    const d = this.check<{ results: { data: { properties: { id: number } } } }>('upload', res);
    return d.results.data.properties.id;
  }

  /** `POST v1/nodes` form: a folder (fixtures of the bench). */
  async folder(parentId: number, name: string): Promise<number> {
    const res = await this.ax.post('/v2/nodes', new URLSearchParams({ body: JSON.stringify({ type: 0, parent_id: parentId, name }) }).toString(), {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...this.auth() },
    });
    return this.check<{ results: { data: { properties: { id: number } } } }>('create folder', res).results.data.properties.id;
  }

  private async rmState(nodeId: number): Promise<{ rm_metadataToken?: string; data?: unknown[] }> {
    const res = await this.ax.get(`/v1/nodes/${nodeId}/rmclassifications`, { headers: this.auth() });
    return this.check('read RM classification', res);
  }

  /** Declare: read the metadata token, apply the classification with it, read the result. */
  async declare(nodeId: number, classId: number): Promise<unknown> {
    const before = await this.rmState(nodeId);
    const res = await this.ax.post(`/v1/nodes/${nodeId}/rmclassifications`, new URLSearchParams({ body: JSON.stringify({ class_id: classId, rm_metadataToken: before.rm_metadataToken || '' }) }).toString(), {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...this.auth() },
    });
    this.check('declare record', res);
    return this.rmState(nodeId);
  }

  /** `GET v2/nodes/{id}` (the request of a simple authenticated read). */
  async getNode(nodeId: number): Promise<unknown> {
    return this.check('get node', await this.ax.get(`/v2/nodes/${nodeId}`, { headers: this.auth() }));
  }
}
