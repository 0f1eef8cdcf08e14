import { certificateHeaders } from './certificate-headers';

const cert = { filename: 'report.pdf', mediaType: 'application/pdf', size: 12, sha256: 'ab'.repeat(32) };

describe('certificateHeaders', () => {
  it('keeps safe media types and always sends an attachment that is never sniffed', () => {
    expect(certificateHeaders(cert)).toEqual({
      'content-type': 'application/pdf',
      'content-length': '12',
      'content-disposition': `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
      'x-content-type-options': 'nosniff',
      etag: `"${cert.sha256}"`,
      'cache-control': 'private, no-cache',
    });
  });

  it('sends anything that could run in a browser as bytes', () => {
    for (const mediaType of ['text/html', 'image/svg+xml', 'application/javascript', 'TEXT/HTML; charset=utf-8']) {
      expect(certificateHeaders({ ...cert, mediaType })['content-type']).toBe('application/octet-stream');
    }
    expect(certificateHeaders({ ...cert, mediaType: 'Application/PDF' })['content-type']).toBe('application/pdf');
  });

  it('cannot be broken out of by the file name', () => {
    const header = certificateHeaders({ ...cert, filename: 'a"; evil=1\r\n.pdf' })['content-disposition'];
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toContain(`filename="a_; evil=1__.pdf"`);
    expect(header).toContain(`filename*=UTF-8''a%22%3B%20evil%3D1%0D%0A.pdf`);
  });
});
