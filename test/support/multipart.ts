/** A multipart/form-data body (fields first, then the file), as a browser or curl -F would send it. */
export async function multipartBody(
  fields: Record<string, string>,
  file?: { content: Buffer | string; filename: string; type?: string },
  fileField = 'file',
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) {
    const bytes = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    form.append(fileField, new Blob([bytes], { type: file.type ?? 'application/octet-stream' }), file.filename);
  }
  const encoded = new Response(form);
  return {
    payload: Buffer.from(await encoded.arrayBuffer()),
    headers: { 'content-type': encoded.headers.get('content-type') as string },
  };
}
