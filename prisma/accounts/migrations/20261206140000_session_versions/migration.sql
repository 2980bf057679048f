-- Sessions end when they should: access tokens carry the user's token version (bumped by logout
-- and changePassword), and a disabled user's tokens, refresh tokens and API keys stop working.
-- AlterTable
ALTER TABLE "users" ADD COLUMN     "disabled_at" TIMESTAMP(3),
ADD COLUMN     "token_version" INTEGER NOT NULL DEFAULT 0;
