/** Starts one sandbox per test file (mocha root hooks of the calling `describe`). */
import { start, Sandbox, SandboxOptions } from '../../sandbox';

export interface SandboxHandle {
  readonly sb: Sandbox;
  readonly url: string;
  readonly csUrl: string;
}

/**
 * Use inside a `describe`: starts a sandbox before the tests and closes it after. The state is
 * reset before each test unless `resetEach` is false.
 */
export function useSandbox(options: SandboxOptions = {}, resetEach = true): SandboxHandle {
  let sb: Sandbox | undefined;
  before(async () => {
    sb = await start({ port: 0, quiet: true, ...options });
  });
  after(async () => {
    await sb?.close();
  });
  if (resetEach) {
    beforeEach(() => {
      sb?.reset();
      sb?.app.setFaults({ rules: [] });
    });
  }
  return {
    get sb() {
      if (!sb) throw new Error('sandbox not started');
      return sb;
    },
    get url() {
      return this.sb.url;
    },
    get csUrl() {
      return this.sb.csUrl;
    },
  };
}
