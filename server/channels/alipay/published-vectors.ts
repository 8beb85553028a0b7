// Published Alipay signing vectors, copied verbatim. Sources:
//  - /work/shared/reference/channels.md §2.1 (the request sign string, constructed from the SDK's
//    util.ts `sign()`) and §2.2 (the official rsaCheckV1 sample to-be-verified string);
//  - alipay/alipay-sdk-nodejs-all, test/alipay.test.js (`checkNotifySign`, `checkResponseSign`,
//    `getSignStr`) and its test/fixtures/*.pem — real signatures made by Alipay's keys.
// Test data only.

/** channels.md §2.1: the parameters of an alipay.trade.pay request (sign and an empty notify_url are left out). */
export const REQUEST_PARAMS: Record<string, string> = {
  app_id: "2021000000000000",
  method: "alipay.trade.pay",
  format: "JSON",
  charset: "utf-8",
  sign_type: "RSA2",
  sign: "ignored-by-the-sign-string",
  timestamp: "2024-01-01 12:00:01",
  version: "1.0",
  notify_url: "",
  app_auth_token: "202401BBxxxxxxxx",
  biz_content:
    '{"out_trade_no":"FP20240101000001","scene":"security_code","auth_code":"fp1234567890abcdefghijklmnopqrstuvw","product_code":"FACE_TO_FACE_PAYMENT","subject":"刷脸消费","total_amount":"10.00","store_id":"S001","terminal_id":"SN8A1F0001","extend_params":{"sys_service_provider_id":"2088000000000000"}}',
};

export const REQUEST_SIGN_STRING =
  'app_auth_token=202401BBxxxxxxxx&app_id=2021000000000000&biz_content={"out_trade_no":"FP20240101000001","scene":"security_code","auth_code":"fp1234567890abcdefghijklmnopqrstuvw","product_code":"FACE_TO_FACE_PAYMENT","subject":"刷脸消费","total_amount":"10.00","store_id":"S001","terminal_id":"SN8A1F0001","extend_params":{"sys_service_provider_id":"2088000000000000"}}&charset=utf-8&format=JSON&method=alipay.trade.pay&sign_type=RSA2&timestamp=2024-01-01 12:00:01&version=1.0';

/** channels.md §2.2: the official notify sample, as posted (with sign and sign_type, which the rule removes). */
export const NOTIFY_SAMPLE_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ["notify_time", "2016-07-19 14:10:49"],
  ["notify_type", "trade_status_sync"],
  ["notify_id", "4a91b7a78a503640467525113fb7d8bg8e"],
  ["app_id", "2015102700040153"],
  ["charset", "utf-8"],
  ["version", "1.0"],
  ["sign_type", "RSA2"],
  ["sign", "not-part-of-the-string"],
  ["trade_no", "2016071921001003030200089909"],
  ["out_trade_no", "0719141034-6418"],
  ["buyer_id", "2088102116773037"],
  ["seller_id", "2088102119685838"],
  ["trade_status", "TRADE_SUCCESS"],
  ["total_amount", "2.00"],
  ["refund_fee", "0.00"],
  ["subject", "大乐透2.1"],
  ["body", "大乐透2.1"],
  ["gmt_close", "2016-07-19 14:10:46"],
  ["gmt_payment", "2016-07-19 14:10:47"],
];

export const NOTIFY_SAMPLE_STRING =
  "app_id=2015102700040153&body=大乐透2.1&buyer_id=2088102116773037&charset=utf-8&gmt_close=2016-07-19 14:10:46&gmt_payment=2016-07-19 14:10:47&notify_id=4a91b7a78a503640467525113fb7d8bg8e&notify_time=2016-07-19 14:10:49&notify_type=trade_status_sync&out_trade_no=0719141034-6418&refund_fee=0.00&seller_id=2088102119685838&subject=大乐透2.1&total_amount=2.00&trade_no=2016071921001003030200089909&trade_status=TRADE_SUCCESS&version=1.0";

/** SDK test/fixtures/alipay-notify-sign-public-key-v1.pem */
export const NOTIFY_KEY_V1 = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAozecNNRnJMRAjSOjVDq6
WwVWDgUKp3Rs8d55UmSNz6jTOIzJfSwEHETen0gkRgtfH+he8BnCkJKegLTjLOD4
4tyIzHpiYi4Hc4mas/HnNhQ9t3a4sJPOI5zWaPX0q1+OucuA664psRrQoCSCBHr5
5FMC/lqrTHRQ4/+EfbPwuwpD5Q2OumPHLt4OYv9YuE5oJ19/1I/cQM4bWle7s4vN
VZCHLT+UUXYWX4KhSa8NcvyU9+9wjRZVUz6yvLbAcxd2KUeovF8papVO6Tw9tE2I
LxiW0lPTZDCgZ1kDKi5m5k3W0S1w32qEmlxXT//4QFN5Nj7YRmxOc260ts4dfKKQ
RwIDAQAB
-----END PUBLIC KEY-----`;

/**
 * SDK checkNotifySign "verify sign should delete sign_type": a real trade_status_sync notification.
 * fund_bill_list is the JSON text a form POST carries (the SDK test held it as an array and
 * JSON-stringified it).
 */
export const NOTIFY_V1_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ["app_id", "2018121762595097"],
  ["auth_app_id", "2018121762595097"],
  ["buyer_id", "2088512613526436"],
  ["buyer_logon_id", "152****6706"],
  ["buyer_pay_amount", "0.01"],
  ["charset", "utf-8"],
  ["fund_bill_list", '[{"amount":"0.01","fundChannel":"PCREDIT"}]'],
  ["gmt_create", "2019-05-23 14:13:56"],
  ["gmt_payment", "2019-05-23 14:17:13"],
  ["invoice_amount", "0.01"],
  ["notify_id", "2019052300222141714026431019971405"],
  ["notify_time", "2019-05-23 14:17:14"],
  ["notify_type", "trade_status_sync"],
  ["out_trade_no", "tpxy23962362669658"],
  ["point_amount", "0.00"],
  ["receipt_amount", "0.01"],
  ["seller_email", "myapp@alitest.com"],
  ["seller_id", "2088331578818800"],
  [
    "sign",
    "T946S2qyNFAXLhAaRgNMmatxH6SO3MyWYFnTamQOgW1iAcheL/Zz+VoizwvEc6mTEwYewvvKS1wNkMQ1oEajMUHv9+cXQ9IFvU/qKS9Ktvw5xHvCaK0fj7LsVcQ7VxfyT3kSvXUDfKDP4cHSPuSZKwM2ybkzr53bIH9OUTpTQd2d3J0rbdf76OoUt+XF9vwqj7OVE7AGjH2HPWp842DgL/YVy4qeA9N2uFKRevT3YUskjaRxuI/E66reNjTMFhbjEqGLKvMcDD4BaQXnibq9ojAj60589fBwzKk3yWsVQmqGfksMQoheVMtZ3lAw4o2ty3TFngbVFFLwgx8FDpBZ9Q==",
  ],
  ["sign_type", "RSA2"],
  ["subject", "tpxy2222896485"],
  ["total_amount", "0.01"],
  ["trade_no", "2019052322001426431037869358"],
  ["trade_status", "TRADE_SUCCESS"],
  ["version", "1.0"],
];

/** SDK test/fixtures/alipay-notify-sign-public-key-v2.pem */
export const NOTIFY_KEY_V2 = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAk6DCsBIUhWriFohzRV8F
ic6oQWNnLKKILNk97VU5qcHEuxYzCujKoyva5gy1170mFJw4IcgJF8AyS7iDUwzA
wF4Pp9CpWxDhUhe7mdQJhjBmvTcPLGFFrzlj6unO5lAcbdwaxPUtSxOaNxPJGrTK
/wnKQSbjTMMltp1J68q2Tfgrsn/NdZ6lrxO9rvmky8kowqaH5NjntyHO59jCGabM
j5sI14z8N61wB/QuIJrDuzIPMPrSNbq0cOWcSCDG09oUHTp9fk7suDB8UiFcmVTX
OvK3d4HbeX8V9YsEMxrwxEoYgRRj6K2qrC6oxw480cqf2ueumCmHg6xrcgkyXK81
hwIDAQAB
-----END PUBLIC KEY-----`;

/**
 * SDK checkNotifySign "verify sign should not delete sign_type": a servicemarket notification
 * signed over every field but `sign`, sign_type included — the same rule as a request.
 */
export const SIGN_TYPE_INCLUDED_FIELDS: Record<string, string> = {
  app_id: "2017122801303261",
  charset: "UTF-8",
  commodity_order_id: "2019030800000018079639",
  contactor: "技术支持测试的公司",
  merchant_pid: "2088721996721370",
  method: "alipay.open.servicemarket.order.notify",
  name: "技术支持测试的公司",
  notify_id: "2019030800222102023008121054923345",
  notify_time: "2019-03-08 10:20:23",
  notify_type: "servicemarket_order_notify",
  order_item_num: "1",
  order_ticket: "29b1c37d99ab48c5bd5bdaeaeaefbB37",
  order_time: "2019-03-08 10:20:08",
  phone: "17826894615",
  service_code: "58621634",
  sign: "MsK5SCw8oqLw4f0hiNSd5OVGXxBY3wnQeT8vn5PklJSZFWSZbK4hQbNvkp4ZezeXQH514cEv0ul6Qow8yh6e6yM06LfEL+EZjcpZ0nxzFGRNQ5qq2AUc1OaXQdk92AGvxh+Iq4NGpPQFBd4D8EBJa3NJd8+czMfQskceosOQFqUtLQMYa5DPs+VpN7VM5BdXjaVIuKn5d9Wm2B9dI9ObIM+YRySDkZZPv14DVmUvcrcqJfOR8aHvtSd7B4l92wUQPQgQKNcOQho7xOHS/Bk+Y74AZL2y7TkNmdDoq9OGsThuF5tDW9rI9nVwXxOtsuB+bstra+W7aw9x9DvkKgdSRw==",
  sign_type: "RSA2",
  timestamp: "2019-03-08 10:20:23",
  title: "麦禾商城模版",
  total_price: "0.00",
  version: "1.0",
};

/** SDK test/fixtures/alipay-public-key.pem (the version the checkResponseSign "normal" case verifies with). */
export const RESPONSE_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6kdjvWNCT+K3qQQgAyv+
8k0+lkrL6+dA+cb9OAX5sZgIxP2ycK51VYxwZgZgHCIWCkB/l/Zqqhye/E6x/nNM
SqRkW3FGpP4/hKWByG3Ah8DXRcUaAvd8aCWHcBpgZqjBp3ADPTcHViI10cGe0mn1
3wGaIZQl6G74CtnY6YQJ/1NkoE+C9Z0VD4xor4oJOZW1/rbc85InBmjU87BWtxmk
IQWWVw+Vwd0EL8oDU9GWNZ1Se9sZf4UHxs+goHh3/JhQly3iKqlt/hgFsip78kvd
eDwoL8gS6RCUi+Bp6j9Ee5Thd+CC61Ilk7iKiUQMMVn6+kdTGcV2XwUBezH2Go4d
lwIDAQAB
-----END PUBLIC KEY-----`;

/** SDK checkResponseSign "normal": a real signed response; the signature covers `\/` as sent. */
export const RESPONSE_RAW = String.raw`{"alipay_offline_material_image_upload_response":{"code":"10000","msg":"Success","image_id":"akGwYYaFTai3r1uB0ww-1QAAACMAAQQD","image_url":"https:\/\/oalipay-dl-django.alicdn.com\/rest\/1.0\/image?fileIds=akGwYYaFTai3r1uB0ww-1QAAACMAAQQD&zoom=original"},"sign":"PAb3IueJzGe/pU/fRAPjwIs543Kc/A6D0rz03AMejwr8h8rDc6FhDJDnz3fGLDdQP7ctjtQwwJW3pmdZZcGmp4lb/5YYgtoK6McjnRr4ER/raJLYn1IbpzkowhGow2esA/XeDblIAYUbZjU6ts0IqNncrZrCknDWHpaZXwGuaU7CUBk74xBeMeja7rEEkFlm9MRtiQNYnum/cGVtcDv/aQ8KkPyAD58oJiAzoXv0R6jFhlZtAWv+M0SaOlhTpZh1K6wlP+1Umiqdvqbc1oWdfpv75a+lGTkGHMy8K7/bnAGm20IRsisSv1B5rpJyeGfrVf6tb4MZ7vG4w0rS0c2hfA=="}`;

export const RESPONSE_METHOD_KEY = "alipay_offline_material_image_upload_response";

/** SDK getSignStr "include sign key in data": spacing around the colon, a nested "sign", the outer sign last. */
export const SPACED_RESPONSE_RAW = String.raw`{"alipay_offline_material_image_upload_response"
        :  
        {"code":"10000","sign":"xxx","msg":"Success","image_id":"Zp1Nm6FDTZaEuSSniGd5awAAACMAAQED","image_url":"http:\\/\\/oalipay-dl-django.alicdn.com\\/rest\\/1.0\\/image?fileIds=Zp1Nm6FDTZaEuSSniGd5awAAACMAAQED&zoom=original"},
        
          "sign"  :  "P8xrBWqZCUv11UrEBjhQ4Sk3hyj4607qehO2VbKIS0hWa4U+NeLlOftqTyhGv+x1lzfqN590Y/8CaNIzEEg06FiNWJlUFM/uEFJLzSKGse4MjHbblpiSzI3eCV5RzxH26wZbEd9wyVYYi0pHFBf35UrBva47g7b5EuKCHfoVA95/zin9fAyb3xhhiHhmfGaWIDV/1LmE2vtqtOHQnISbY/deC71U614ySZ3YB97ws8npCcCJ+tgZvhHPkMRGvmyYPCRDB/aIN/sKDSLtfPp0u8DxE8pHLvCHm3wR84MQxqNbKgpd8NTKNvH+obELsbCrqPhjW7qI48634qx6enDupw=="}`;

export const SPACED_RESPONSE_CONTENT = String.raw`{"code":"10000","sign":"xxx","msg":"Success","image_id":"Zp1Nm6FDTZaEuSSniGd5awAAACMAAQED","image_url":"http:\\/\\/oalipay-dl-django.alicdn.com\\/rest\\/1.0\\/image?fileIds=Zp1Nm6FDTZaEuSSniGd5awAAACMAAQED&zoom=original"}`;
