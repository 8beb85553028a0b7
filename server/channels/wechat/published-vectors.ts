// Published WeChat Pay test vectors, copied from reference/channels.md §1.2–1.5.1 and the sources
// it names. Test data only: nothing here is a live credential.

/**
 * Callback signature, from wechatpay-apiv3/wechatpay-go core/notify/notify_test.go
 * (TestHandler_ParseNotifyRequest): the platform certificate (serial D7CE59D1F522D701), the
 * headers, the exact body and its signature. The resource inside uses a 16-byte key, so it is a
 * signature vector only; decryption is covered by AES_256_GCM_VECTOR.
 */
export const NOTIFY_SIGNATURE_VECTOR = {
  certificatePem: `-----BEGIN CERTIFICATE-----
MIIDVzCCAj+gAwIBAgIJANfOWdH1ItcBMA0GCSqGSIb3DQEBCwUAMEIxCzAJBgNV
BAYTAlhYMRUwEwYDVQQHDAxEZWZhdWx0IENpdHkxHDAaBgNVBAoME0RlZmF1bHQg
Q29tcGFueSBMdGQwHhcNMjEwNDI3MDg1NTIzWhcNMzEwNDI1MDg1NTIzWjBCMQsw
CQYDVQQGEwJYWDEVMBMGA1UEBwwMRGVmYXVsdCBDaXR5MRwwGgYDVQQKDBNEZWZh
dWx0IENvbXBhbnkgTHRkMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA
2VCTd91fnUn73Xy9DLvt/V62TVxRTEEstVdeRaZ3B3leO0pldE806mXO4RwdHXag
HQ4vGeZN0yqm++rDsGK+U3AH7kejyD2pXshNP9Cq5YwbptiLGtjcquw4HNxJQUOm
DeJf2vg6byms9RUipiq4SzbJKqJFlUpbuIPDpSpWz10PYmyCNeDGUUK65E5h2B83
4uxl1zNLYQCrkdBzb8oUxwYeP5a2DNxmjL5lsJML7DGr5znsevnoqGRwTm9fxCGf
y8wus7hwKz6clt3Whmmda7UAdb1c08hEQFVRbF14AR73xbnd8N0obCWJPCbzMCtk
aSef4FdEEgEXJiw0VAJT8wIDAQABo1AwTjAdBgNVHQ4EFgQUT1c7nd/SUO76HSoZ
umNUJv1R5PwwHwYDVR0jBBgwFoAUT1c7nd/SUO76HSoZumNUJv1R5PwwDAYDVR0T
BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAfTjxKRQMzNB/U6ZoCUS+BSNfa2Oh
0plMN6ZuzwiVVZwg1jywvv5yv04koS7Pd4i9E4gt9ZBUQXlpq+A3oOCEEHNRR6b2
kyazGRM7s0OP5X21WrbpSmKmU6K7hkfx30yYs08LVs/Q8DIhvaj1FCFeJzUCzYn/
fHMq4tsbKO0dKAeydPM/nrUZBmaYQVKMVOORGLFjFKVO7JV6Kq/R86ouhjEPgJOe
2xulNBUcjicqtZlBdEh/PWCYP2SpGVDclKm8jeo175T3EVAkdKzzmfpxtMmnMlmq
cTJOU9TxuGvNASMtjj7pYIerTx+xgZDXEVBWFW9PjJ0TV06tCRsgSHItgg==
-----END CERTIFICATE-----`,
  serial: "D7CE59D1F522D701",
  /** The SDK test pins time.Now to the header timestamp. */
  nowUnixSeconds: 1624523846,
  headers: {
    "Content-Type": "application/json",
    "Wechatpay-Nonce": "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz",
    "Wechatpay-Timestamp": "1624523846",
    "Wechatpay-Serial": "D7CE59D1F522D701",
    "Wechatpay-Signature":
      "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXF" +
      "lbYZTOQrVdG4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1I" +
      "BLX70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8VTxY4" +
      "06ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q==",
  },
  body:
    '{"id":"3119dfba-e649-5eec-ab1e-3412bc4d2e17","create_time":"2021-06-24T16:37:26+08:00",' +
    '"resource_type":"encrypt-resource","event_type":"PAYSCORE.USER_OPEN_SERVICE","summary":"签约成功",' +
    '"resource":{"original_type":"payscore","algorithm":"AEAD_AES_256_GCM",' +
    '"ciphertext":"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZt' +
    "tevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR" +
    '7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==",' +
    '"associated_data":"payscore","nonce":"Kj7QIyUiYx1q"}}',
} as const;

/** AEAD_AES_256_GCM resource, reference/channels.md §1.4 (built with Node crypto; round trip verified there). */
export const AES_256_GCM_VECTOR = {
  key: "0123456789abcdefghijklmnopqrstuv",
  nonce: "fdasflkja484",
  associatedData: "transaction",
  ciphertext:
    "kdUs4zcMY7MuqMys7Y06iR3kbHY3H240eYADh5O/TC1pjjEhVIWDF7CttdzQUJDaqiPfn0irDL73VZisi9sWAmjpXHC/+Ln6ByJD0OpWbP0MY7AqQQnNOUWka3KNM0RtL1Jy5NJ+Z+1Q76xZ2r1JSNLOKWmV9MIMehCwkPehfU4ODb5xGsLTAbwbz/zt3E7N/8Im80DKu80p4JBV6DXLKdNgWuYSScqZoHmuMBkFIZz8fAygEmEFrM5Ulu7hWGMFmuhI5B/gugfhPbmYfyJa2g9+OfeFcCkDv1qvabzHL3XMDbozKpl+5TJNvCZhm++2ZLAfuK4La/DxfwkRxWp4Z2kUIS9WxqYN/tzGZh29PRcG1jwP47ciRpOpgGUCLVfh4WOlu7N99ggDoOtOEG2/aBXppHonfHyUQPbryVZo4zse2jvoaiAlhhm9DuCWzLc3A8+hUeFj9heWuXvSv3M1HOMZHih6VIN3kL76Q1TCnlLW0FWDKEV9XHJTzHEMkcd8H8QDm+PhYpeNv6zM9ZNz5neS/qizEw8b/rl0GStWk0OXEyzr6OzYiZDNFUQULaQB636KDWgAsmIg8dtbFIoXXAKmYRlmyEjO0/1qvDbViGlK/uuD8mMZ8YV5jvWgREJOODsgBHaUZ2rfgs6RGVZgGdSCRr0pM/ibZworePDOklbcXoeZAD7DC3rWaj0R1iwmIfa1mmnmveUyK8E6ETBfY3e2xL9B",
  plaintext:
    '{"sp_appid":"wx8888888888888888","sp_mchid":"1230000109","sub_appid":"wxd678efh567hg6999","sub_mchid":"1900000109","out_trade_no":"FP20240101000001","transaction_id":"4200000000202401010000000001","trade_type":"MICROPAY","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2024-01-01T12:00:05+08:00","payer":{"sp_openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","sub_openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}',
} as const;

/** v2 signing, the official example re-computed in reference/channels.md §1.5.1 (axios-plugin lib/hash.js). */
export const V2_SIGN_VECTOR = {
  fields: { appid: "wxd930ea5d5a258f4f", body: "test", device_info: "1000", mch_id: "10000100", nonce_str: "ibuaiVcKdpRxkhJA" },
  signingString: "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA",
  key: "192006250b4c09247ec02edce69f6a2d",
  md5: "9A0A8659F005D6984697E2CA0A9CF3B7",
  hmacSha256: "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6",
} as const;

/** The request-signing message of the official bill-download example, reference/channels.md §1.2. */
export const REQUEST_SIGNING_VECTOR = {
  method: "GET",
  canonicalUrl: "/v3/billdownload/file?token=xxx",
  timestamp: 1554208460,
  nonce: "593BEC0C930BF1AFEB40B4A08C8FB242",
  body: "",
  message: "GET\n/v3/billdownload/file?token=xxx\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n",
} as const;
