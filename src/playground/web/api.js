/** The playground's JSON API and event stream (src/playground/README.md). */

/** How many of a channel's newest messages the page loads (the API's default). */
export const MESSAGE_LIMIT = 100;

/** Calls the API; a refusal throws an Error carrying the server's explanation. */
export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({ error: `the playground answered ${response.status}` }));
  if (!response.ok) throw new Error(json.error ?? `the playground answered ${response.status}`);
  return json;
}

/**
 * Listens to the page's events. EventSource reconnects by itself; `onReconnect` lets the page
 * reload what it may have missed meanwhile.
 */
export function listen(onEvent, onReconnect) {
  const source = new EventSource('/api/events');
  let opened = false;
  source.onopen = () => {
    if (opened) onReconnect();
    opened = true;
  };
  source.onmessage = (message) => onEvent(JSON.parse(message.data));
  return () => source.close();
}

/** Snowflakes are too large for numbers: compare them as BigInts. */
export function bySnowflake(left, right) {
  const difference = BigInt(left.id) - BigInt(right.id);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
