// Our own JavaScript port of the documented verification algorithm (method, path, query,
// digest header, content type and the JSON.stringify byte length, HMAC-SHA256, hex).
// Used when the published sample itself is not available on the machine.
async function verifySignature(requestData, secretKey) {
  const key = await crypto.subtle.importKey(
    'raw', new TextEncoder().encode(secretKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const digest = requestData.headers['content-digest'].split('=')[1];
  const length = new Blob([JSON.stringify(requestData.body)]).size;
  const data = [requestData.method.toLowerCase(), requestData.path, requestData.query, digest,
    'application/json', length].join(' ');
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data)));
  const hex = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
  return hex === requestData.headers['signature'].split('=')[1];
}
