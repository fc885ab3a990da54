/**
 * IANA time zone names, as this runtime's ICU knows them. Node 20's ICU still lists 19 zones under
 * names IANA has since replaced (Asia/Calcutta for Asia/Kolkata, Europe/Kiev for Europe/Kyiv, …):
 * both names are accepted, and only the current one is offered.
 */
const RENAMED: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

const LISTED = Intl.supportedValuesOf('timeZone');
/** What autocomplete offers, sorted. ICU's list has no 'UTC', the zone people ask for most. */
const OFFERED = [...new Set(['UTC', ...LISTED.map((zone) => RENAMED[zone] ?? zone)])].sort();
const ACCEPTED = new Set([...OFFERED, ...LISTED]);

/**
 * Whether `name` is an IANA zone name spelt exactly (case-sensitive), or 'UTC'. Intl itself also
 * takes 'europe/london', 'US/Eastern' or 'EST5EDT'; refusing them keeps one spelling per zone in
 * the database and in what people are shown.
 */
export function isTimeZone(name: string): boolean {
  return ACCEPTED.has(name);
}

/** The user-facing refusal of a zone name, suggesting the zone it stands for when there is one. */
export function unknownTimeZoneMessage(name: string): string {
  return `Unknown time zone "${name}": use an IANA name such as ${zoneMeant(name) ?? 'Europe/Istanbul'}`;
}

/** The accepted zone a name Intl understands (wrong case, an old alias) stands for. */
function zoneMeant(name: string): string | undefined {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    const current = RENAMED[resolved] ?? resolved;
    return ACCEPTED.has(current) ? current : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Zone names for Discord autocomplete (which shows at most 25): those containing `query`, case
 * insensitive, a space matching the underscore of "New_York". Names starting with it come first,
 * then names with a part starting with it ("lon" → Europe/London), then the rest; each group
 * alphabetical.
 */
export function suggestTimeZones(query: string, limit: number): string[] {
  const needle = query.trim().toLowerCase().replace(/\s+/g, '_');
  const rank = (zone: string): number => {
    const lower = zone.toLowerCase();
    if (lower.startsWith(needle)) return 0;
    if (lower.includes(`/${needle}`)) return 1;
    return lower.includes(needle) ? 2 : 3;
  };
  return OFFERED.map((zone) => ({ zone, rank: rank(zone) }))
    .filter((match) => match.rank < 3)
    .sort((a, b) => a.rank - b.rank)
    .slice(0, Math.max(0, limit))
    .map((match) => match.zone);
}
