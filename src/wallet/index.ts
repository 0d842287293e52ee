export { type ActivityItem, type Wallet, type WalletAccount, createWallet } from './wallet.ts';
