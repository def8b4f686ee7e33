export interface BotClaimsTable {
  messageId: string;
  claimedAt: string;
}

declare module '../../storage/tables.js' {
  interface DB {
    botClaims: BotClaimsTable;
  }
}
