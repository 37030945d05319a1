// Which split a labelled example belongs to, fixed by its id before any rule was written (issue 17):
// FNV-1a 32-bit of the id, held out when the hash mod 3 is 0 (about a third).
export function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function splitOf(id) {
  return fnv1a(id) % 3 === 0 ? 'heldout' : 'tuning';
}
