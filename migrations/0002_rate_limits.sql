CREATE TABLE "deferred_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"agent_id" bigint NOT NULL,
	"guild_id" text,
	"channel_id" text NOT NULL,
	"discord_message_id" text NOT NULL,
	"message" jsonb NOT NULL,
	"deferred_until" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "cap_notice_day" date;--> statement-breakpoint
ALTER TABLE "deferred_messages" ADD CONSTRAINT "deferred_messages_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "deferred_messages_discord_message_id_key" ON "deferred_messages" USING btree ("discord_message_id");--> statement-breakpoint
CREATE INDEX "deferred_messages_due_idx" ON "deferred_messages" USING btree ("deferred_until");--> statement-breakpoint
CREATE INDEX "messages_author_time_idx" ON "messages" USING btree ("author_id","created_at") WHERE "messages"."role" = 'user';