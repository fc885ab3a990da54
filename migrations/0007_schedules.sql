ALTER TABLE "guild_settings" ADD COLUMN "timezone" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "schedule_id" bigint;--> statement-breakpoint
ALTER TABLE "schedule_runs" ADD COLUMN "late" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "schedule_runs" ADD COLUMN "missed_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "schedule_runs" ADD COLUMN "message_id" bigint;--> statement-breakpoint
ALTER TABLE "schedule_runs" ADD COLUMN "turn_id" bigint;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "notify" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "mention_role_id" text;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "paused_reason" text;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "next_fire_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "consecutive_failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "spawn_calls" ADD COLUMN "schedule_id" bigint;--> statement-breakpoint
CREATE INDEX "schedule_runs_message_idx" ON "schedule_runs" USING btree ("message_id") WHERE "schedule_runs"."message_id" is not null;--> statement-breakpoint
CREATE INDEX "schedules_due_idx" ON "schedules" USING btree ("next_fire_at") WHERE "schedules"."enabled";