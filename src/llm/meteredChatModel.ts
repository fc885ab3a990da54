import { ModelError } from '../agents/errors.js';
import type { ChatModel, ModelRequest, ModelResponse } from '../agents/ports.js';
import type { Metrics } from '../http/metrics.js';

/** Counts every model call and its tokens for /metrics, around any ChatModel. */
export class MeteredChatModel implements ChatModel {
  constructor(
    private readonly inner: ChatModel,
    private readonly metrics: Pick<Metrics, 'llmCalls' | 'llmTokens'>,
  ) {}

  async complete(request: ModelRequest, handlers?: { onText?: (textSoFar: string) => void }): Promise<ModelResponse> {
    try {
      const response = await this.inner.complete(request, handlers);
      this.metrics.llmCalls.inc({ outcome: 'ok' });
      this.metrics.llmTokens.inc({ direction: 'in' }, response.usage.promptTokens);
      this.metrics.llmTokens.inc({ direction: 'out' }, response.usage.completionTokens);
      return response;
    } catch (error) {
      this.metrics.llmCalls.inc({ outcome: error instanceof ModelError ? error.failure : 'error' });
      throw error;
    }
  }
}
