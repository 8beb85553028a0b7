import { alipayAccountFields } from "./alipay/fields";
import { alipayConnector } from "./alipay/connector";
import { bankAccountFields } from "./bank/fields";
import { bankConnector } from "./bank/connector";
import { sandboxAccountFields } from "./sandbox/fields";
import { sandboxConnector } from "./sandbox/connector";
import type { ChannelType, Connector } from "./types";
import { wechatAccountFields } from "./wechat/fields";
import { wechatConnector } from "./wechat/connector";

/** A parameter or credential a channel account of this type needs, for forms and validation. */
export interface AccountField {
  readonly key: string;
  readonly label: { readonly en: string; readonly zh: string };
  readonly secret: boolean;
  readonly required: boolean;
}

const CONNECTORS: Record<ChannelType, Connector> = {
  WECHAT: wechatConnector,
  ALIPAY: alipayConnector,
  BANK: bankConnector,
  SANDBOX: sandboxConnector,
};

const FIELDS: Record<ChannelType, readonly AccountField[]> = {
  WECHAT: wechatAccountFields,
  ALIPAY: alipayAccountFields,
  BANK: bankAccountFields,
  SANDBOX: sandboxAccountFields,
};

export function connectorFor(type: ChannelType): Connector {
  return CONNECTORS[type];
}

export function accountFieldsFor(type: ChannelType): readonly AccountField[] {
  return FIELDS[type];
}
