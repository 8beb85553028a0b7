-- Offline alerts (issue 7): the offline sweep stamps an active device that stayed silent past the
-- tenant's timeout once per silence (an alert: the console's list and a device.offline webhook to
-- its merchant); its next heartbeat clears the stamp.

-- AlterTable
ALTER TABLE "device" ADD COLUMN     "offline_since" TIMESTAMPTZ(3);
