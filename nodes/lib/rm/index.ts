/** Records Management operations (records, holds, disposition, RM watch polls). */
export * from './common';
export * from './records';
export * from './holds';
export * from './disposition';
export * from './watch';
