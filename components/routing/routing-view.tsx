"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useUserNames } from "@/components/channels/use-user-names";
import { useTRPC } from "@/components/providers/trpc";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { Tabs } from "@/components/ui/tabs";
import { useT } from "@/i18n/client";
import { DecisionsTab } from "./decisions-tab";
import { editorBase, wireKey, type RuleSetDraft } from "./draft";
import { DryRunTab } from "./dry-run-tab";
import { RulesTab } from "./rules-tab";
import { TryItTab } from "./try-it-tab";
import { useRoutingLookups } from "./use-lookups";
import { VersionsTab } from "./versions-tab";

const NO_RULE_SETS: never[] = [];

/**
 * The routing page. The editor's working copy lives here, not in the Rules tab: a tab's content
 * unmounts when another tab is opened, and the dry run replays the unsaved edits too.
 */
export function RoutingView({ canManage, canSeeUsers }: { canManage: boolean; canSeeUsers: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ruleSets = useQuery(trpc.routing.ruleSets.queryOptions());
  const lookups = useRoutingLookups(ruleSets.data ?? NO_RULE_SETS);
  const userName = useUserNames(canSeeUsers);
  const [tab, setTab] = useState("rules");
  // null: nothing edited, the working copy is the open draft (or the published version) as stored.
  const [edited, setEdited] = useState<RuleSetDraft | null>(null);
  // Memoised so that an unedited working copy keeps its row keys between renders.
  const base = useMemo(() => (ruleSets.data ? editorBase(ruleSets.data) : null), [ruleSets.data]);

  if (ruleSets.isPending || lookups.isPending) return <LoadingState rows={6} />;
  if (ruleSets.isError) return <ErrorState error={ruleSets.error} onRetry={() => void ruleSets.refetch()} />;
  if (lookups.error) return <ErrorState error={lookups.error} onRetry={lookups.refetch} />;
  if (!base) return null;

  const working = edited ?? base.draft;
  const dirty = edited !== null && (wireKey(edited) !== wireKey(base.draft) || edited.note.trim() !== base.draft.note.trim());

  /** After a save, publish, discard or rollback: reload, then edit what is stored now. */
  async function onChanged() {
    await queryClient.invalidateQueries({ queryKey: trpc.routing.pathKey() });
    setEdited(null);
  }

  return (
    <Tabs
      label={t("routing.sections")}
      value={tab}
      onValueChange={setTab}
      items={[
        {
          id: "rules",
          label: t("routing.tabRules"),
          content: (
            <RulesTab
              ruleSets={ruleSets.data}
              base={base}
              working={working}
              dirty={dirty}
              onEdit={setEdited}
              onChanged={onChanged}
              canManage={canManage}
              lookups={lookups}
              userName={userName}
            />
          ),
        },
        {
          id: "dry-run",
          label: t("routing.tabDryRun"),
          content: <DryRunTab ruleSets={ruleSets.data} working={working} dirty={dirty} lookups={lookups} />,
        },
        {
          id: "versions",
          label: t("routing.tabVersions"),
          content: <VersionsTab ruleSets={ruleSets.data} canManage={canManage} lookups={lookups} userName={userName} onChanged={onChanged} />,
        },
        { id: "decisions", label: t("routing.tabDecisions"), content: <DecisionsTab lookups={lookups} /> },
        { id: "try", label: t("routing.tabTryIt"), content: <TryItTab lookups={lookups} /> },
      ]}
    />
  );
}
