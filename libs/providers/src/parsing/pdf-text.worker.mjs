// Extracts the text of each page of a PDF with pdf.js (Mozilla's pdfjs-dist, legacy build for Node),
// in a worker thread: parsing is CPU-bound and must not stall the worker's event loop (job locks,
// cancellation checks). Plain JavaScript on purpose: it runs outside the TypeScript build and jest.
// Messages out: {type: 'document', pages}, then {type: 'page', page, text} per page, then {type: 'done',
// pages} or {type: 'error', message, fatal}. Messages in: {type: 'more', pages}: pages are extracted only
// as far as the reader asked for (a few ahead of it), so a stopped or cancelled reading stops extracting.
import { parentPort, workerData } from 'node:worker_threads';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

let credit = 0;
let wake;
parentPort.on('message', (message) => {
  if (message && message.type === 'more') {
    credit += message.pages;
    if (wake) wake();
  }
});

async function nextCredit() {
  while (credit === 0) await new Promise((resolve) => (wake = resolve));
  wake = undefined;
  credit--;
}

async function main() {
  const task = getDocument({
    data: workerData.data,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  let pdf;
  try {
    pdf = await task.promise;
  } catch (err) {
    const message =
      err && err.name === 'PasswordException' ? 'the PDF is encrypted' : `not a readable PDF: ${err.message}`;
    parentPort.postMessage({ type: 'error', message, fatal: true });
    return;
  }
  try {
    const maxPages = workerData.maxPages;
    if (maxPages && pdf.numPages > maxPages) {
      parentPort.postMessage({
        type: 'error',
        message: `the PDF has ${pdf.numPages} pages, more than INGEST_PDF_MAX_PAGES (${maxPages}) allows`,
        fatal: true,
      });
      return;
    }
    parentPort.postMessage({ type: 'document', pages: pdf.numPages });
    for (let number = 1; number <= pdf.numPages; number++) {
      await nextCredit();
      try {
        const page = await pdf.getPage(number);
        const content = await page.getTextContent();
        let text = '';
        for (const item of content.items) {
          if (typeof item.str !== 'string') continue;
          text += item.str;
          if (item.hasEOL) text += '\n';
        }
        page.cleanup();
        parentPort.postMessage({ type: 'page', page: number, text: text.trim() });
      } catch (err) {
        parentPort.postMessage({ type: 'page', page: number, error: `page not readable: ${err.message}` });
      }
    }
    parentPort.postMessage({ type: 'done', pages: pdf.numPages });
  } finally {
    await pdf.destroy();
    parentPort.close();
  }
}

main().catch((err) => parentPort.postMessage({ type: 'error', message: String(err && err.message), fatal: true }));
