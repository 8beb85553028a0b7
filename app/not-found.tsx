export default function NotFound() {
  return (
    <div className="flex min-h-screen items-center justify-center p-6 text-center">
      <div>
        <p className="text-4xl font-semibold">404</p>
        <p className="mt-2 text-muted-foreground">Not found · 未找到</p>
      </div>
    </div>
  );
}
