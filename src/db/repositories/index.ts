import type { EngineStores } from '../../agents/ports.js';
import type { Database } from '../database.js';
import { AgentRepository } from './agentRepository.js';
import { GuildSettingsRepository } from './guildSettingsRepository.js';
import { MemoryRepository } from './memoryRepository.js';
import { MessageRepository } from './messageRepository.js';
import { OutboxRepository } from './outboxRepository.js';
import { DispatchRepository } from './dispatchRepository.js';
import { TreeRepository } from './treeRepository.js';
import { ScheduleRepository } from './scheduleRepository.js';
import { UsageRepository } from './usageRepository.js';
import { WorkQueueRepository } from './workQueueRepository.js';

export { CatchUpRepository } from './catchUpRepository.js';
export { InteractionClaimRepository } from './interactionClaimRepository.js';
export { HelperStatusRepository, type HelperStatus } from './helperStatusRepository.js';

/** Every store the engine needs, over one database. */
export function createEngineStores(db: Database, options: { helperResultMaxTokens: number }): EngineStores {
  return {
    agents: new AgentRepository(db),
    guildSettings: new GuildSettingsRepository(db),
    queue: new WorkQueueRepository(db, options.helperResultMaxTokens),
    messages: new MessageRepository(db),
    memory: new MemoryRepository(db),
    outbox: new OutboxRepository(db),
    usage: new UsageRepository(db),
    tree: new TreeRepository(db, options.helperResultMaxTokens),
    dispatch: new DispatchRepository(db),
    schedules: new ScheduleRepository(db),
  };
}
