/**
 * The one place secrets are taken out of a URI before it is shown, logged or stored: the user
 * and password of `scheme://user:pass@host`, and the values of query parameters that carry
 * credentials (`?password=…`, `?token=…`, AWS-style signatures). Everything else is kept, so the
 * redacted URI still says where the data went.
 */
const SECRET_QUERY =
  /^(pass(word)?|pwd|token|access[_-]?token|auth|secret|api[_-]?key|key|x-amz-signature|x-amz-credential|sig|signature|credential)$/i;

export const REDACTED = '***';

export function redactUri(uri: string): string {
  // scheme://userinfo@host… : drop the whole userinfo (a user name can itself be a token).
  let text = uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_m, scheme: string) => `${scheme}${REDACTED}@`);
  const query = text.indexOf('?');
  if (query >= 0) {
    const [base, rest] = [text.slice(0, query), text.slice(query + 1)];
    const [params, fragment] = rest.split('#', 2);
    const cleaned = params
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        const name = decodeSafe(eq >= 0 ? pair.slice(0, eq) : pair);
        return eq >= 0 && SECRET_QUERY.test(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
      })
      .join('&');
    text = `${base}?${cleaned}${fragment !== undefined ? `#${fragment}` : ''}`;
  }
  return text;
}

/** Every URI-looking substring of `text` redacted (for specs and messages that embed URIs). */
export function redactText(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"`<>]+/gi, (uri) => redactUri(uri));
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
