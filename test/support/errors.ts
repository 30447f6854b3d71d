/** Asserting failures of the client layer in tests. */
import 'should';
import { OtError } from '../../nodes/lib/errors';

/** Resolves with the OtError `p` rejects with; fails when `p` rejects otherwise or resolves. */
export async function otFailure(p: Promise<unknown>, expected = 'expected a failure'): Promise<OtError> {
  try {
    await p;
  } catch (e) {
    (e as Error).should.be.instanceOf(OtError);
    return e as OtError;
  }
  throw new Error(expected);
}
