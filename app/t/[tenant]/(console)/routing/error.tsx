"use client";

// A failure while rendering the routing page: the console's page error with a retry.
export { PageError as default } from "@/components/ui/page-error";
