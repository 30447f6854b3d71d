/** Shared bits of the Records Management → Push example tests: the sandbox push state they read. */
export type Obj = Record<string, unknown>;

/** A push delivery to one user (the fields these tests read). */
export interface Delivery {
  job_id: string;
  user: string;
  title: string;
  body: string;
  data?: Obj;
}

/** GET /_sandbox/state/push: the jobs and each user's deliveries. */
export interface PushState {
  jobs: Array<{ job_id: string; recipients: Array<{ recipient: string }> }>;
  byUser: Record<string, Delivery[]>;
}
