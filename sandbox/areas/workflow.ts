import { Area } from '../server';

export const workflowArea: Area = {
  name: 'workflow',
  init: () => ({}),
  routes: () => undefined,
};
