"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { FormFooter } from "@/components/ui/form-footer";
import { PageHeader } from "@/components/ui/page-header";
import { ErrorState } from "@/components/ui/states";
import { Tabs } from "@/components/ui/tabs";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import { CredentialsTab } from "./credentials-tab";
import { channelFormErrors } from "./errors";
import { HealthTab } from "./health-tab";
import { channelTypeLabel } from "./labels";
import { NotificationsTab } from "./notifications-tab";
import { OverviewTab } from "./overview-tab";
import { EnabledBadge, HealthBadge } from "./parts";
import { RegistrationsTable } from "./registrations-table";
import type { ChannelAccountDetail } from "./types";
import { useInvalidateChannel } from "./use-invalidate-channel";

export interface ChannelAccountPermissions {
  canManage: boolean;
  canManageRegistrations: boolean;
  /** May list users, so "who" columns show names. */
  canSeeUsers: boolean;
}

export function ChannelAccountView({ initial, permissions }: { initial: ChannelAccountDetail; permissions: ChannelAccountPermissions }) {
  const t = useT();
  const trpc = useTRPC();
  const query = useQuery(trpc.channels.get.queryOptions({ id: initial.id }, { initialData: initial }));
  const account = query.data;
  const [enableOpen, setEnableOpen] = useState(false);

  return (
    <div className="space-y-6">
      <PageHeader
        title={<span data-testid="channel-account-name">{account.name}</span>}
        description={channelTypeLabel(t, account.channelType)}
        actions={
          <span className="flex flex-wrap items-center gap-2">
            <EnabledBadge enabled={account.enabled} />
            <HealthBadge state={account.healthState} title={account.healthReason} />
            {permissions.canManage ? (
              <Button variant={account.enabled ? "danger" : "secondary"} onClick={() => setEnableOpen(true)}>
                {account.enabled ? t("channels.disable") : t("channels.enable")}
              </Button>
            ) : null}
          </span>
        }
      />
      {query.isError ? <ErrorState compact error={query.error} onRetry={() => void query.refetch()} /> : null}
      <Tabs
        label={account.name}
        items={[
          { id: "overview", label: t("channels.tabOverview"), content: <OverviewTab account={account} canManage={permissions.canManage} /> },
          { id: "credentials", label: t("channels.tabCredentials"), content: <CredentialsTab account={account} canManage={permissions.canManage} canSeeUsers={permissions.canSeeUsers} /> },
          { id: "health", label: t("channels.tabHealth"), content: <HealthTab accountId={account.id} canManage={permissions.canManage} canSeeUsers={permissions.canSeeUsers} /> },
          {
            id: "registrations",
            label: t("channels.tabRegistrations"),
            content: <RegistrationsTable channelAccountId={account.id} canManage={permissions.canManageRegistrations} />,
          },
          { id: "notifications", label: t("channels.tabNotifications"), content: <NotificationsTab accountId={account.id} /> },
        ]}
      />
      {enableOpen ? <EnableDialog account={account} onClose={() => setEnableOpen(false)} /> : null}
    </div>
  );
}

/** Turning an account off takes it out of routing at once; the reason goes to the audit log. */
function EnableDialog({ account, onClose }: { account: ChannelAccountDetail; onClose: () => void }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateChannel(account.id);
  const setEnabled = useMutation(trpc.channels.setEnabled.mutationOptions());
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const enabling = !account.enabled;
  const errors = channelFormErrors(t, setEnabled.error, ["reason"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    // A reason is optional to the server; disabling a live channel without one leaves the audit
    // log unable to say why payments stopped, so the console asks for it.
    if (!enabling && !reason.trim()) {
      setMissing(true);
      return;
    }
    const r = await setEnabled.mutateAsync({ id: account.id, enabled: enabling, ...(reason.trim() ? { reason: reason.trim() } : {}) }).catch(() => null);
    if (r) {
      toast.success(enabling ? t("channels.enabledToast") : t("channels.disabledToast"));
      await invalidate();
      onClose();
    }
  }

  return (
    <Dialog open onClose={onClose} title={enabling ? t("channels.enableTitle") : t("channels.disableTitle")} description={enabling ? t("channels.enableHelp") : t("channels.disableHelp")}>
      <form onSubmit={submit} className="space-y-4" noValidate>
        <Field label={t("channels.reason")} required={!enabling} error={errors.fields.reason ?? (missing ? t("channels.requiredField") : undefined)}>
          <Textarea rows={3} maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <FormFooter
          error={errors.general}
          onCancel={onClose}
          loading={setEnabled.isPending}
          submitLabel={enabling ? t("channels.enable") : t("channels.disable")}
          submitVariant={enabling ? "primary" : "danger"}
        />
      </form>
    </Dialog>
  );
}
