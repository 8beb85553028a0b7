import type { ReactNode } from "react";

/** The branded frame around a login form (server component). */
export function LoginCard({ title, subtitle, logo, footer, children }: { title: string; subtitle: string; logo: boolean; footer?: ReactNode; children: ReactNode }) {
  return (
    <div className="flex min-h-screen items-center justify-center bg-muted p-6">
      <div className="w-full max-w-sm rounded-brand border border-border bg-card p-8 shadow-sm">
        <div className="mb-6 flex flex-col items-center gap-3 text-center">
          {logo ? <img src="/api/brand/logo" alt="" className="h-14 w-14 rounded-brand object-contain" /> : <span className="h-12 w-12 rounded-brand bg-primary" aria-hidden />}
          <h1 className="text-xl font-semibold" data-testid="login-title">
            {title}
          </h1>
          <p className="text-sm text-muted-foreground">{subtitle}</p>
        </div>
        {children}
        {footer ? <div className="mt-6 flex justify-center">{footer}</div> : null}
      </div>
    </div>
  );
}
