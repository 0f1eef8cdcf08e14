import { CalibrationCertificate } from '@labwire/domain';

/** Media types served as themselves; anything else (HTML, SVG, scripts…) is sent as bytes. */
const INLINE_SAFE = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/tiff', 'text/csv']);

/**
 * Headers of a certificate download: always an attachment, never sniffed, so an uploaded HTML file
 * cannot run in the api's origin; the file name kept (RFC 6266, UTF-8 form plus an ASCII fallback).
 */
export function certificateHeaders(certificate: CalibrationCertificate): Record<string, string> {
  const mediaType = certificate.mediaType.toLowerCase().split(';')[0].trim();
  const ascii = certificate.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return {
    'content-type': INLINE_SAFE.has(mediaType) ? mediaType : 'application/octet-stream',
    'content-length': String(certificate.size),
    'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(certificate.filename)}`,
    'x-content-type-options': 'nosniff',
    etag: `"${certificate.sha256}"`,
    'cache-control': 'private, no-cache',
  };
}
