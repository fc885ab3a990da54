/** How the page names the ids it shows: people, the bot, channels, threads and roles. */

/**
 * @param {object} session the `Session` of /api/session
 * @param {Array<{ id: string, name: string }>} threads the threads as the event stream keeps them
 * @param {(id: string) => void} openChannel what a click on a channel mention does
 * @returns {import('./markdown.js').Names}
 */
export function namesOf(session, threads, openChannel) {
  const users = new Map([[session.bot.id, session.bot.username], ...session.users.map((user) => [user.id, user.username])]);
  const channels = new Map([...session.channels, ...threads].map((channel) => [channel.id, channel.name]));
  const roles = new Map(session.roles.map((role) => [role.id, role.name]));
  return {
    user: (id) => users.get(id) ?? 'unknown-user',
    channel: (id) => channels.get(id) ?? 'unknown-channel',
    role: (id) => roles.get(id) ?? 'unknown-role',
    openChannel,
  };
}

/** A message's own `mentions` name people the session does not know (yet). */
export function namesFor(names, message) {
  const mentioned = new Map((message.mentions ?? []).map((user) => [user.id, user.username]));
  if (mentioned.size === 0) return names;
  return { ...names, user: (id) => mentioned.get(id) ?? names.user(id) };
}
