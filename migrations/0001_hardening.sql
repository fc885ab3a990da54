ALTER TABLE "agents" ADD COLUMN "notice_message_id" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "catch_up_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "sent_while_offline" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "turns" ADD COLUMN "shown_text" text;