/**
 * Records Management vocabulary shared by the client layer (nodes/lib/rm) and the sandbox
 * (sandbox/areas/rm-*.ts): the record fields of an RM classification and the disposition action
 * names. Names and numbers as in the Records Management 26.1 REST API (RM-OAS),
 * opentext-api.md §3.1 and §3.4. Plain data only: no imports, so both sides can use it.
 */

/** The record fields of an RM classification (names as in the API). */
export const RECORD_FIELDS = [
  'rsi',
  'status',
  'status_date',
  'record_date',
  'received_date',
  'essential',
  'official',
  'storage',
  'accession',
  'subject',
  'addressee',
  'sent_to',
  'originator',
  'establishment',
  'cycle_period',
  'next_review_date',
  'last_review_date',
] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

/** The record fields that hold a date (YYYY-MM-DD). */
export const DATE_FIELDS: readonly RecordField[] = ['status_date', 'record_date', 'received_date', 'next_review_date', 'last_review_date'];

/** Disposition action numbers and their names. */
export const DISPOSITION_ACTIONS: Readonly<Record<number, string>> = {
  0: 'None',
  1: 'Change Status',
  7: 'Close',
  8: 'Finalize Record',
  9: 'Mark Official',
  10: 'Export',
  11: 'Update Storage Provider',
  12: 'Delete Electronic Format',
  15: 'Purge Versions',
  16: 'Make Rendition',
  32: 'Destroy',
};
