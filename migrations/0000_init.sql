CREATE TABLE "agents" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text,
	"kind" text NOT NULL,
	"channel_id" text,
	"parent_id" bigint,
	"root_id" bigint,
	"depth" integer DEFAULT 0 NOT NULL,
	"task" text,
	"status" text DEFAULT 'idle' NOT NULL,
	"result" text,
	"persona" jsonb NOT NULL,
	"reply_mode" text DEFAULT 'mention' NOT NULL,
	"token_budget" integer,
	"tokens_used" bigint DEFAULT 0 NOT NULL,
	"wake_seq" bigint DEFAULT 0 NOT NULL,
	"queued_at" timestamp with time zone,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"history_start_id" bigint DEFAULT 0 NOT NULL,
	"summary" text,
	"summary_through_id" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "guild_settings" (
	"guild_id" text PRIMARY KEY NOT NULL,
	"default_persona" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "interaction_claims" (
	"interaction_id" text PRIMARY KEY NOT NULL,
	"claimed_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "memories" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"agent_id" bigint NOT NULL,
	"guild_id" text,
	"content" text NOT NULL,
	"author_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"agent_id" bigint NOT NULL,
	"guild_id" text,
	"role" text NOT NULL,
	"content" text DEFAULT '' NOT NULL,
	"author_id" text,
	"author_name" text,
	"discord_message_id" text,
	"reply_to_text" text,
	"attachments" jsonb,
	"tool_calls" jsonb,
	"tool_call_id" text,
	"tool_name" text,
	"turn_id" bigint,
	"seen_through_id" bigint,
	"token_count" integer DEFAULT 0 NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', coalesce(content, ''))) STORED,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text,
	"agent_id" bigint,
	"turn_id" bigint,
	"chunk_index" integer DEFAULT 0 NOT NULL,
	"kind" text DEFAULT 'message' NOT NULL,
	"channel_id" text NOT NULL,
	"content" text NOT NULL,
	"payload" jsonb,
	"nonce" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"discord_message_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"posted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "personas" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"instructions" text NOT NULL,
	"model" text,
	"temperature" real,
	"tools" jsonb,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "personas_guild_name_key" UNIQUE NULLS NOT DISTINCT("guild_id","name")
);
--> statement-breakpoint
CREATE TABLE "schedule_runs" (
	"schedule_id" bigint NOT NULL,
	"fire_at" timestamp with time zone NOT NULL,
	"claimed_by" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "schedule_runs_schedule_id_fire_at_pk" PRIMARY KEY("schedule_id","fire_at")
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text,
	"channel_id" text NOT NULL,
	"agent_id" bigint,
	"cron" text NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"task" text NOT NULL,
	"helper" text,
	"created_by" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "turns" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"agent_id" bigint NOT NULL,
	"guild_id" text,
	"status" text DEFAULT 'running' NOT NULL,
	"requested_by" text,
	"attempts" integer DEFAULT 1 NOT NULL,
	"seen_through_id" bigint,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "usage" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"guild_id" text,
	"channel_id" text,
	"user_id" text,
	"agent_id" bigint,
	"root_id" bigint,
	"model" text NOT NULL,
	"purpose" text DEFAULT 'turn' NOT NULL,
	"prompt_tokens" integer NOT NULL,
	"completion_tokens" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_parent_id_agents_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memories" ADD CONSTRAINT "memories_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedule_runs" ADD CONSTRAINT "schedule_runs_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage" ADD CONSTRAINT "usage_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agents_channel_id_key" ON "agents" USING btree ("channel_id");--> statement-breakpoint
CREATE INDEX "agents_queue_idx" ON "agents" USING btree ("queued_at") WHERE "agents"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "agents_lease_idx" ON "agents" USING btree ("lease_expires_at") WHERE "agents"."status" = 'running';--> statement-breakpoint
CREATE INDEX "agents_guild_idx" ON "agents" USING btree ("guild_id");--> statement-breakpoint
CREATE INDEX "agents_parent_idx" ON "agents" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "memories_agent_idx" ON "memories" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "messages_agent_id_idx" ON "messages" USING btree ("agent_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_discord_message_id_key" ON "messages" USING btree ("discord_message_id");--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("search");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_turn_chunk_key" ON "outbox" USING btree ("turn_id","chunk_index");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_nonce_key" ON "outbox" USING btree ("nonce");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("id") WHERE "outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "schedules_guild_idx" ON "schedules" USING btree ("guild_id");--> statement-breakpoint
CREATE INDEX "turns_agent_idx" ON "turns" USING btree ("agent_id","id");--> statement-breakpoint
CREATE INDEX "usage_guild_time_idx" ON "usage" USING btree ("guild_id","created_at");--> statement-breakpoint
CREATE INDEX "usage_channel_time_idx" ON "usage" USING btree ("channel_id","created_at");--> statement-breakpoint
CREATE INDEX "usage_root_idx" ON "usage" USING btree ("root_id");