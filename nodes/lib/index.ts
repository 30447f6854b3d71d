/** The shared OpenText client layer, for integrators who want it outside Node-RED flows. */
export * from './errors';
export * from './http';
export * from './auth';
export * from './agents';
export * from './paging';
export { redact, redactValue, registerSecret } from './redact';
