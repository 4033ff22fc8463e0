/** Writes one export object (same key, same bytes on a redelivery). */
export type PutExportObject = (key: string, body: string) => Promise<void>;
