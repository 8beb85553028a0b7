// Shared by forms (client) and services; no server imports here.
export const PASSWORD_MIN_LENGTH = 10;
