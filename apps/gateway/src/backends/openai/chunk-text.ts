/**
 * The text of an ordinary streamed chunk, read without parsing the whole chunk: on the relay's
 * hot path a JSON.parse per token was the largest cost of our own code (bench/, docs/benchmarks.md).
 * Returns undefined whenever the chunk is anything but plain text (a finish reason, usage, tool
 * calls, no text, an unterminated string): the caller then parses it fully.
 *
 * Safe because a JSON string value cannot contain `"content":"` unescaped, so the first match is
 * a key, and `"reasoning_content":"` does not match (the character before `content` is `_`).
 */
export function plainChunkText(payload: string, key: '"content":"' | '"text":"'): string | undefined {
  if (payload.includes('"finish_reason":"') || payload.includes('"usage":{') || payload.includes('"tool_calls"')) return undefined;
  const at = payload.indexOf(key);
  if (at === -1) return undefined;
  const start = at + key.length;
  let hasEscape = false;
  for (let i = start; i < payload.length; i++) {
    const code = payload.charCodeAt(i);
    if (code === 92 /* \ */) {
      hasEscape = true;
      i++;
    } else if (code === 34 /* " */) {
      const raw = payload.slice(start, i);
      return hasEscape ? (JSON.parse(`"${raw}"`) as string) : raw;
    }
  }
  return undefined;
}
