export { type ActivityItem, createWallet, type Wallet, type WalletAccount } from './wallet.ts';
