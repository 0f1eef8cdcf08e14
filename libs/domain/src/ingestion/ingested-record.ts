/**
 * One record of a data source: a CSV row, a JSON item, an NDJSON or text line, a paragraph, a PDF
 * page or a fetched URL. `position` is where it is in its source: CSV: the line the row starts on
 * (the header is line 1); NDJSON, text and URL lists: the line; text by paragraph: its first line;
 * JSON: the item's index from 0; PDF: the page.
 */
export interface IngestedRecord {
  id: string;
  workspaceId: string;
  datasourceId: string;
  position: number;
  text: string;
  metadata: Record<string, unknown>;
  /** SHA-256 of the text, hex */
  contentHash: string;
  createdAt: Date;
}
