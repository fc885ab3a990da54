CREATE TABLE "spawn_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text,
	"spawner_id" bigint NOT NULL,
	"origin" text NOT NULL,
	"turn_id" bigint,
	"acts_for" text,
	"pending" integer NOT NULL,
	"tree_budget" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
DROP INDEX "agents_queue_idx";--> statement-breakpoint
DROP INDEX "agents_lease_idx";--> statement-breakpoint
ALTER TABLE "agents" ALTER COLUMN "status" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "agents" ALTER COLUMN "status" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "run_state" text DEFAULT 'idle' NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "lifecycle" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "queue_priority" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "spawn_call_id" bigint;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "tree_id" bigint;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "acts_for" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "home_channel_id" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "briefing" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "deadline_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "ended_at" timestamp with time zone;--> statement-breakpoint
-- The run state keeps what the queue knew; every agent so far is a channel agent, so active.
UPDATE "agents" SET "run_state" = CASE WHEN "status" IN ('queued', 'running') THEN "status" ELSE 'idle' END;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "input_kind" text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "acts_for" text;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "not_before" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "claimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "error" text;--> statement-breakpoint
ALTER TABLE "spawn_calls" ADD CONSTRAINT "spawn_calls_spawner_id_agents_id_fk" FOREIGN KEY ("spawner_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "spawn_calls_spawner_idx" ON "spawn_calls" USING btree ("spawner_id");--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_spawn_call_id_spawn_calls_id_fk" FOREIGN KEY ("spawn_call_id") REFERENCES "public"."spawn_calls"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agents_run_queue_idx" ON "agents" USING btree ("queue_priority","queued_at") WHERE "agents"."run_state" = 'queued';--> statement-breakpoint
CREATE INDEX "agents_run_lease_idx" ON "agents" USING btree ("lease_expires_at") WHERE "agents"."run_state" = 'running';--> statement-breakpoint
CREATE INDEX "agents_live_helpers_idx" ON "agents" USING btree ("guild_id","deadline_at") WHERE "agents"."kind" = 'helper' and "agents"."lifecycle" in ('active', 'waiting');--> statement-breakpoint
CREATE INDEX "usage_agent_idx" ON "usage" USING btree ("agent_id");