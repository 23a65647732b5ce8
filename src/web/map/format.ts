// How the map writes times, speeds and positions.

/** "12 s ago", "3 min ago", "2 h ago", else the date. */
export function ago(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** The local date and time, to the second. */
export const dateTime = (iso: string) =>
  new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium', hourCycle: 'h23' });

/** The local time of day, to the second: 12:03:04. */
export const timeOfDay = (iso: string) =>
  new Date(iso).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });

/** The API gives metres per second. */
export const kmh = (metresPerSecond: number) =>
  `${(metresPerSecond * 3.6).toFixed(metresPerSecond < 2.8 ? 1 : 0)} km/h`;

export const percent = (value: number) => `${Math.round(value)} %`;

export const metres = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} m`;

export const coordinates = (latitude: number, longitude: number) =>
  `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`;

/** A `datetime-local` input's value for a time (local, to the minute). */
export function localInputValue(time: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

/** A DOM element with a class and text (never HTML: device ids and names come from users). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

export function colorOf(deviceId: string): string {
  let hash = 0;
  for (const char of deviceId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  // Golden-angle steps keep similar ids (truck-1, truck-2) far apart on the colour wheel.
  return `hsl(${Math.round((hash * 137.508) % 360)} 70% 42%)`;
}
