// Server-sent events over fetch: reads a text/event-stream body (a
// ReadableStream) and calls onEvent({id, event, data}) per event, as the
// WHATWG rules say: lines end in \n, \r\n or \r; ":" lines are comments
// (heartbeats); "data" lines join with \n; a blank line dispatches.
export async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { id: '', event: '', data: [] };
  const dispatch = () => {
    if (event.data.length > 0) {
      onEvent({ id: event.id, event: event.event || 'message', data: event.data.join('\n') });
    }
    event = { id: event.id, event: '', data: [] };
  };
  const line = (text) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') event.data.push(value);
    else if (field === 'event') event.event = value;
    else if (field === 'id') event.id = value;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      if (!m) break;
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (m[0] === '\r' && m.index === buffer.length - 1) break;
      line(buffer.slice(0, m.index));
      buffer = buffer.slice(m.index + m[0].length);
    }
  }
  if (buffer) line(buffer);
}
