/**
 * MIME types by file extension, shared by the upload client (nodes/lib/cs/upload.ts) and the
 * sandbox's Content Server (sandbox/areas/cs-nodes.ts), which takes the MIME type from the file
 * name when a client sends a generic one. Plain data and one function: no imports.
 */

export const OCTET_STREAM = 'application/octet-stream';

/** The file types Content Server recognises by extension. */
export const CS_MIME_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  xml: 'application/xml',
  html: 'text/html',
  htm: 'text/html',
  rtf: 'application/rtf',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  msg: 'application/vnd.ms-outlook',
  eml: 'message/rfc822',
  zip: 'application/zip',
};

/** MIME type from a file name's extension in `types` (application/octet-stream when unknown). */
export function mimeByExtension(name: string, types: Readonly<Record<string, string>> = CS_MIME_TYPES): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return (ext && types[ext]) || OCTET_STREAM;
}
