import { LoadingState } from "@/components/ui/states";

export default function LedgerLoading() {
  return <LoadingState rows={8} />;
}
