//! Self-identifying secret tokens (`ghp_…`, `xoxb-…`, `AIza…`, `sk_live_…`) found by their own
//! format wherever they stand, and vendor keys found next to their vendor's name.
//!
//! The formats are those of the public gitleaks rule set. One pass over the text finds the
//! literal anchors, without a regular expression per rule: every word start (a letter, digit or
//! `_` after any other byte) and camel-case step is checked against a two-byte table and 3- and
//! 4-byte prefix filters, and only the few that pass are compared with the anchors (ASCII
//! case-insensitively); anchors inside a token are found with `memmem`. Three kinds of anchor:
//!
//! - **prefixes** of self-identifying tokens (`ghp_`, `github_pat_`, `glpat-`, `xoxb-`,
//!   `sk-ant-api03-`, `AGE-SECRET-KEY-1`…): the body after the prefix must then have the
//!   format's characters and length, with no letter or digit on either side;
//! - **infixes and suffixes** of tokens that have no prefix (`Q~` of Azure AD client secrets,
//!   `.atlasv1.` of Terraform tokens, `_mmk` of MaxMind keys, `-us12` of Mailchimp keys, the `|`
//!   of Facebook app tokens): the format is checked on both sides of the anchor;
//! - **vendor names** (`adafruit`, `datadog`, `heroku`…, where a word or a part of a key starts:
//!   `MY_DATADOG_API_KEY`, `ciscoMerakiApiKey`): within a short window after the name (at most 96 bytes and two line
//!   breaks, across any assignment syntax `=`, `:`, `:=`, `=>`, `>`, `,`, quotes), a value with
//!   the shape of one of that vendor's keys; or, right after an assignment operator, any value
//!   of 16+ token characters with letters, digits and enough Shannon entropy.
//!
//! Placeholders stay: a body with fewer than 4 distinct characters, a run of 8 of one character,
//! `xxxx` or `****`, an ascending run (`abcdef`, `123456`), a word such as `EXAMPLE`, `your_`,
//! `changeme`, `placeholder`, `dummy`, `sample`, `redacted`, `${`, `{{`, `<`, or too little
//! entropy. So do identifiers: next to a vendor's name, a hex value, UUID or number counts only
//! right after an assignment or after a word such as `key`, `token`, `secret`, `client`, and
//! never after a word naming a hash (`sha`, `md5`, `digest`, `checksum`, `commit`…); the
//! generic value rule never takes pure hex, UUIDs or values with a `.`.

use std::sync::OnceLock;

/// Flag: the literal letters of the spec match in either case (the rule is `(?i)`).
const CI: u8 = 1;
/// Flag: standalone only with a letter and a digit and entropy of 3.5 bits per byte or more
/// (short or common prefixes such as `b_`, `live_`, `s.`, `YC`).
const STRICT: u8 = 2;
/// Flag: the value may hold a run of one repeated character (Dropbox's `AAAAAAAAAA`).
const RUNS: u8 = 4;

/// Self-identifying formats: kind, spec, flags. The spec is a tiny pattern language: literal
/// bytes (`\` escapes the next byte; `\a` is any printable byte, for a rule's wildcard `.`),
/// classes `[…]` with ranges and `\w`, quantifiers `{n}`,
/// `{m,n}`, `{m,}`, `+`, `*`, `?` on a class or a literal; `<…>` marks the anchor literal when
/// the token has no prefix (else the leading literal is the anchor); `!` marks where the removed
/// part starts and `$` where it ends (default: the whole match).
const FORMATS: &[(&str, &str, u8)] = &[
    (
        "1password-secret-key",
        r"A3-[A-Z0-9]{6}-[A-Z0-9]{11}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        0,
    ),
    (
        "1password-secret-key",
        r"A3-[A-Z0-9]{6}-[A-Z0-9]{6}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        0,
    ),
    (
        "1password-service-account-token",
        r"ops_eyJ[a-zA-Z0-9+/]{250,}[=]{0,3}",
        0,
    ),
    ("adobe-client-secret", r"p8e-[a-zA-Z0-9]{32}", 0),
    (
        "age-secret-key",
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        0,
    ),
    (
        "airtable-personal-access-token",
        r"pat[a-zA-Z0-9]{14}.[a-f0-9]{64}",
        0,
    ),
    ("alibaba-access-key-id", r"LTAI[a-zA-Z0-9]{20}", 0),
    (
        "anthropic-admin-api-key",
        r"sk-ant-admin01-[a-zA-Z0-9_\-]{93}AA",
        0,
    ),
    ("anthropic-api-key", r"sk-ant-api03-[a-zA-Z0-9_\-]{93}AA", 0),
    ("artifactory-api-key", r"AKCp[A-Za-z0-9]{69}", 0),
    ("artifactory-reference-token", r"cmVmd[A-Za-z0-9]{59}", 0),
    ("atlassian-api-token", r"ATATT3[A-Za-z0-9_\-=]{186}", 0),
    (
        "authress-service-client-access-key",
        r"sc_[a-zA-Z0-9]{5,30}.[a-zA-Z0-9]{4,6}.acc[_\-][a-zA-Z0-9\-]{10,32}.[a-zA-Z0-9+/_=\-]{30,120}",
        0,
    ),
    (
        "authress-service-client-access-key",
        r"ext_[a-zA-Z0-9]{5,30}.[a-zA-Z0-9]{4,6}.acc[_\-][a-zA-Z0-9\-]{10,32}.[a-zA-Z0-9+/_=\-]{30,120}",
        0,
    ),
    (
        "authress-service-client-access-key",
        r"scauth_[a-zA-Z0-9]{5,30}.[a-zA-Z0-9]{4,6}.acc[_\-][a-zA-Z0-9\-]{10,32}.[a-zA-Z0-9+/_=\-]{30,120}",
        0,
    ),
    (
        "authress-service-client-access-key",
        r"authress_[a-zA-Z0-9]{5,30}.[a-zA-Z0-9]{4,6}.acc[_\-][a-zA-Z0-9\-]{10,32}.[a-zA-Z0-9+/_=\-]{30,120}",
        0,
    ),
    ("aws-access-key-id", r"AKIA[A-Z0-9]{16}", 0),
    ("aws-access-key-id", r"ASIA[A-Z0-9]{16}", 0),
    ("aws-access-key-id", r"ABIA[A-Z0-9]{16}", 0),
    ("aws-access-key-id", r"ACCA[A-Z0-9]{16}", 0),
    ("aws-access-key-id", r"A3T[A-Z0-9][A-Z2-7]{16}", 0),
    (
        "aws-bedrock-api-key",
        r"ABSK[A-Za-z0-9+/]{109,269}[=]{0,2}",
        0,
    ),
    (
        "aws-bedrock-api-key",
        r"bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=]*",
        0,
    ),
    (
        "azure-ad-client-secret",
        r"[a-zA-Z0-9_~.]{3}[0-9]<Q~>[a-zA-Z0-9_~.\-]{31,34}",
        0,
    ),
    ("beamer-api-token", r"b_[a-zA-Z0-9=_\-]{44}", STRICT),
    ("clickhouse-cloud-api-secret-key", r"4b1d[A-Za-z0-9]{38}", 0),
    ("clojars-api-token", r"CLOJARS_[a-zA-Z0-9]{60}", CI),
    (
        "cloudflare-origin-ca-key",
        r"v1.0-[a-f0-9]{24}-[a-f0-9]{146}",
        0,
    ),
    ("databricks-api-token", r"dapi[a-f0-9]{32}-[0-9]", 0),
    ("databricks-api-token", r"dapi[a-f0-9]{32}", 0),
    (
        "defined-networking-api-token",
        r"dnkey-[a-zA-Z0-9=_\-]{26}-[a-zA-Z0-9=_\-]{52}",
        CI,
    ),
    ("digitalocean-access-token", r"doo_v1_[a-f0-9]{64}", 0),
    ("digitalocean-pat", r"dop_v1_[a-f0-9]{64}", 0),
    ("digitalocean-refresh-token", r"dor_v1_[a-fA-F0-9]{64}", CI),
    ("doppler-api-token", r"dp.pt.[a-zA-Z0-9]{43}", 0),
    (
        "dropbox-short-lived-api-token",
        r"sl.[a-zA-Z0-9\-=_]{135}",
        CI,
    ),
    ("duffel-api-token", r"duffel_test_[a-zA-Z0-9_\-=]{43}", 0),
    ("duffel-api-token", r"duffel_live_[a-zA-Z0-9_\-=]{43}", 0),
    (
        "dynatrace-api-token",
        r"dt0c01.[a-zA-Z0-9]{24}.[a-zA-Z0-9]{64}",
        0,
    ),
    ("easypost-api-token", r"EZAK[a-zA-Z0-9]{54}", 0),
    ("easypost-test-api-token", r"EZTK[a-zA-Z0-9]{54}", 0),
    (
        "facebook-access-token",
        r"[0-9]{15,16}<|>[0-9a-zA-Z_\-]{27,40}",
        0,
    ),
    (
        "facebook-access-token",
        r"[0-9]{15,16}<%>[0-9a-zA-Z_\-]{27,40}",
        0,
    ),
    ("facebook-page-access-token", r"EAAM[a-zA-Z0-9]{100,}", 0),
    ("facebook-page-access-token", r"EAAC[a-zA-Z0-9]{100,}", 0),
    (
        "flutterwave-public-key",
        r"FLWPUBK_TEST-[a-hA-H0-9]{32}-X",
        0,
    ),
    (
        "flutterwave-secret-key",
        r"FLWSECK_TEST-[a-hA-H0-9]{32}-X",
        0,
    ),
    (
        "flutterwave-encryption-key",
        r"FLWSECK_TEST-[a-hA-H0-9]{12}",
        0,
    ),
    ("flyio-access-token", r"fo1_[\w\-]{43}", 0),
    ("flyio-access-token", r"fm1a_[a-zA-Z0-9+/]{100,}[=]{0,3}", 0),
    ("flyio-access-token", r"fm1r_[a-zA-Z0-9+/]{100,}[=]{0,3}", 0),
    ("flyio-access-token", r"fm2_[a-zA-Z0-9+/]{100,}[=]{0,3}", 0),
    ("frameio-api-token", r"fio-u-[a-zA-Z0-9\-_=]{64}", 0),
    ("gcp-api-key", r"AIza[\w\-]{35}", 0),
    ("github-app-token", r"ghu_[0-9a-zA-Z]{36}", 0),
    ("github-app-token", r"ghs_[0-9a-zA-Z]{36}", 0),
    ("github-fine-grained-pat", r"github_pat_[\w]{82}", 0),
    ("github-oauth", r"gho_[0-9a-zA-Z]{36}", 0),
    ("github-pat", r"ghp_[0-9a-zA-Z]{36}", 0),
    ("github-refresh-token", r"ghr_[0-9a-zA-Z]{36}", 0),
    (
        "gitlab-cicd-job-token",
        r"glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_\-]{20}",
        0,
    ),
    ("gitlab-deploy-token", r"gldt-[0-9a-zA-Z_\-]{20}", 0),
    (
        "gitlab-feature-flag-client-token",
        r"glffct-[0-9a-zA-Z_\-]{20}",
        0,
    ),
    ("gitlab-feed-token", r"glft-[0-9a-zA-Z_\-]{20}", 0),
    ("gitlab-incoming-mail-token", r"glimt-[0-9a-zA-Z_\-]{25}", 0),
    (
        "gitlab-kubernetes-agent-token",
        r"glagent-[0-9a-zA-Z_\-]{50}",
        0,
    ),
    ("gitlab-oauth-app-secret", r"gloas-[0-9a-zA-Z_\-]{64}", 0),
    ("gitlab-pat", r"glpat-[0-9a-zA-Z_\-]{27,300}.[0-9a-z]{9}", 0),
    ("gitlab-pat", r"glpat-[\w\-]{20}", 0),
    ("gitlab-ptt", r"glptt-[0-9a-f]{40}", 0),
    ("gitlab-rrt", r"GR1348941[\w\-]{20}", 0),
    (
        "gitlab-runner-authentication-token",
        r"glrt-t[0-9]_[0-9a-zA-Z_\-]{27,300}.[0-9a-z]{9}",
        0,
    ),
    (
        "gitlab-runner-authentication-token",
        r"glrt-[0-9a-zA-Z_\-]{20}",
        0,
    ),
    ("gitlab-scim-token", r"glsoat-[0-9a-zA-Z_\-]{20}", 0),
    ("gitlab-session-cookie", r"_gitlab_session=![0-9a-z]{32}", 0),
    (
        "gocardless-api-token",
        r"live_[a-zA-Z0-9_\-=]{40}",
        CI | STRICT,
    ),
    (
        "grafana-api-key",
        r"eyJrIjoi[A-Za-z0-9]{70,400}[=]{0,3}",
        CI,
    ),
    (
        "grafana-cloud-api-token",
        r"glc_[A-Za-z0-9+/]{32,400}[=]{0,3}",
        CI,
    ),
    (
        "grafana-service-account-token",
        r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
        CI,
    ),
    (
        "harness-api-key",
        r"pat.[a-zA-Z0-9_\-]{22}.[a-zA-Z0-9]{24}.[a-zA-Z0-9]{20}",
        0,
    ),
    (
        "harness-api-key",
        r"sat.[a-zA-Z0-9_\-]{22}.[a-zA-Z0-9]{24}.[a-zA-Z0-9]{20}",
        0,
    ),
    (
        "hashicorp-tf-api-token",
        r"[a-zA-Z0-9]{14}<.atlasv1.>[a-zA-Z0-9\-_=]{60,70}",
        0,
    ),
    ("heroku-api-key-v2", r"HRKU-AA[0-9a-zA-Z_\-]{58}", 0),
    ("huggingface-access-token", r"hf_[a-zA-Z]{34}", 0),
    (
        "huggingface-organization-api-token",
        r"api_org_[a-zA-Z]{34}",
        0,
    ),
    ("infracost-api-token", r"ico-[a-zA-Z0-9]{32}", 0),
    ("intra42-client-secret", r"s-s4t2ud-[a-fA-F0-9]{64}", 0),
    ("intra42-client-secret", r"s-s4t2af-[a-fA-F0-9]{64}", 0),
    (
        "jwt",
        r"ey[a-zA-Z0-9]{17,}.ey[a-zA-Z0-9/\\_\-]{17,}.[a-zA-Z0-9/\\_\-]{10,}[=]{0,2}",
        0,
    ),
    ("jwt", r"ey[a-zA-Z0-9]{17,}.ey[a-zA-Z0-9/\\_\-]{17,}.", 0),
    ("jwt-base64", r"ZXlK[a-zA-Z0-9/\\_+\-]{40,}[=]{0,2}", 0),
    ("linear-api-key", r"lin_api_[a-zA-Z0-9]{40}", 0),
    ("lob-api-key", r"live_[a-fA-F0-9]{35}", CI | STRICT),
    ("lob-api-key", r"test_[a-fA-F0-9]{35}", CI | STRICT),
    ("lob-pub-api-key", r"live_pub_[a-fA-F0-9]{31}", CI | STRICT),
    ("lob-pub-api-key", r"test_pub_[a-fA-F0-9]{31}", CI | STRICT),
    ("mailchimp-api-key", r"[a-fA-F0-9]{32}<-us>[0-9]{2}", 0),
    (
        "mapbox-api-token",
        r"pk.[a-zA-Z0-9]{60}.[a-zA-Z0-9]{22}",
        CI,
    ),
    (
        "maxmind-license-key",
        r"[A-Za-z0-9]{6}_[A-Za-z0-9]{29}<_mmk>",
        0,
    ),
    (
        "microsoft-teams-webhook",
        r"https://[a-zA-Z0-9]+<.webhook.office.com/webhookb2/>[a-zA-Z0-9]{8}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{12}@[a-zA-Z0-9]{8}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{12}/IncomingWebhook/[a-zA-Z0-9]{32}/[a-zA-Z0-9]{8}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{12}",
        0,
    ),
    ("new-relic-browser-api-token", r"NRJS-[a-f0-9]{19}", CI),
    ("new-relic-insert-key", r"NRII-[a-zA-Z0-9\-]{32}", CI),
    ("new-relic-user-api-key", r"NRAK-[a-zA-Z0-9]{27}", CI),
    ("notion-api-token", r"ntn_[0-9]{11}[A-Za-z0-9]{35}", 0),
    ("npm-access-token", r"npm_[a-zA-Z0-9]{36}", CI),
    ("octopus-deploy-api-key", r"API-[A-Z0-9]{26}", 0),
    ("openai-api-key", r"sk-proj-[A-Za-z0-9_\-]{40,300}", 0),
    ("openai-api-key", r"sk-svcacct-[A-Za-z0-9_\-]{40,300}", 0),
    ("openai-api-key", r"sk-admin-[A-Za-z0-9_\-]{40,300}", 0),
    (
        "openai-api-key",
        r"sk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20}",
        0,
    ),
    ("openshift-user-token", r"sha256~[\w\-]{43}", 0),
    ("perplexity-api-key", r"pplx-[a-zA-Z0-9]{48}", 0),
    (
        "plaid-api-token",
        r"access-sandbox-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        CI,
    ),
    (
        "plaid-api-token",
        r"access-development-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        CI,
    ),
    (
        "plaid-api-token",
        r"access-production-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        CI,
    ),
    ("planetscale-api-token", r"pscale_tkn_[\w=.\-]{32,64}", 0),
    (
        "planetscale-oauth-token",
        r"pscale_oauth_[\w=.\-]{32,64}",
        0,
    ),
    ("planetscale-password", r"pscale_pw_[\w=.\-]{32,64}", CI),
    (
        "postman-api-token",
        r"PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}",
        0,
    ),
    ("prefect-api-token", r"pnu_[a-zA-Z0-9]{36}", 0),
    ("pulumi-api-token", r"pul-[a-f0-9]{40}", 0),
    (
        "pypi-upload-token",
        r"pypi-AgEIcHlwaS5vcmc[\w\-]{50,1000}",
        0,
    ),
    ("readme-api-token", r"rdme_[a-z0-9]{70}", 0),
    ("rubygems-api-token", r"rubygems_[a-f0-9]{48}", 0),
    ("scalingo-api-token", r"tk-us-[\w\-]{48}", 0),
    ("sendgrid-api-token", r"SG.[a-zA-Z0-9=_\-.]{66}", 0),
    (
        "sendinblue-api-token",
        r"xkeysib-[a-f0-9]{64}-[a-zA-Z0-9]{16}",
        0,
    ),
    (
        "sentry-org-token",
        r"sntrys_eyJpYXQiO[a-zA-Z0-9+/=_]{40,500}",
        0,
    ),
    ("sentry-user-token", r"sntryu_[a-f0-9]{64}", 0),
    (
        "settlemint-application-access-token",
        r"sm_aat_[a-zA-Z0-9]{16}",
        0,
    ),
    (
        "settlemint-personal-access-token",
        r"sm_pat_[a-zA-Z0-9]{16}",
        0,
    ),
    (
        "settlemint-service-access-token",
        r"sm_sat_[a-zA-Z0-9]{16}",
        0,
    ),
    ("shippo-api-token", r"shippo_live_[a-fA-F0-9]{40}", 0),
    ("shippo-api-token", r"shippo_test_[a-fA-F0-9]{40}", 0),
    ("shopify-access-token", r"shpat_[a-fA-F0-9]{32}", 0),
    ("shopify-custom-access-token", r"shpca_[a-fA-F0-9]{32}", 0),
    (
        "shopify-private-app-access-token",
        r"shppa_[a-fA-F0-9]{32}",
        0,
    ),
    ("shopify-shared-secret", r"shpss_[a-fA-F0-9]{32}", 0),
    (
        "sidekiq-sensitive-url",
        r"[a-fA-F0-9]{8}:[a-fA-F0-9]{8}$<@gems.contribsys.com>",
        CI,
    ),
    (
        "sidekiq-sensitive-url",
        r"[a-fA-F0-9]{8}:[a-fA-F0-9]{8}$<@enterprise.contribsys.com>",
        CI,
    ),
    (
        "slack-app-token",
        r"xapp-[0-9]-[A-Za-z0-9]+-[0-9]+-[A-Za-z0-9]+",
        CI,
    ),
    (
        "slack-bot-token",
        r"xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9\-]*",
        0,
    ),
    ("slack-bot-token", r"xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}", 0),
    (
        "slack-config-access-token",
        r"xoxe\axoxb-[0-9]-[A-Za-z0-9]{163,166}",
        CI,
    ),
    (
        "slack-config-access-token",
        r"xoxe\axoxp-[0-9]-[A-Za-z0-9]{163,166}",
        CI,
    ),
    (
        "slack-config-refresh-token",
        r"xoxe-[0-9]-[A-Za-z0-9]{146}",
        CI,
    ),
    (
        "slack-legacy-token",
        r"xoxo-[0-9]+-[0-9]+-[0-9]+-[a-fA-F0-9]+",
        0,
    ),
    (
        "slack-legacy-token",
        r"xoxs-[0-9]+-[0-9]+-[0-9]+-[a-fA-F0-9]+",
        0,
    ),
    (
        "slack-legacy-workspace-token",
        r"xoxa-[0-9]-[0-9a-zA-Z]{8,48}",
        0,
    ),
    ("slack-legacy-workspace-token", r"xoxa-[0-9a-zA-Z]{8,48}", 0),
    (
        "slack-legacy-workspace-token",
        r"xoxr-[0-9]-[0-9a-zA-Z]{8,48}",
        0,
    ),
    ("slack-legacy-workspace-token", r"xoxr-[0-9a-zA-Z]{8,48}", 0),
    (
        "slack-user-token",
        r"xoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-zA-Z0-9\-]{28,34}",
        0,
    ),
    (
        "slack-user-token",
        r"xoxe-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-zA-Z0-9\-]{28,34}",
        0,
    ),
    (
        "slack-webhook-url",
        r"hooks\aslack\acom/services/[A-Za-z0-9+/]{43,56}",
        0,
    ),
    (
        "slack-webhook-url",
        r"hooks\aslack\acom/workflows/[A-Za-z0-9+/]{43,56}",
        0,
    ),
    (
        "slack-webhook-url",
        r"hooks\aslack\acom/triggers/[A-Za-z0-9+/]{43,56}",
        0,
    ),
    ("sonar-api-token", r"squ_[a-zA-Z0-9=_\-]{40}", CI),
    ("sonar-api-token", r"sqp_[a-zA-Z0-9=_\-]{40}", CI),
    ("sonar-api-token", r"sqa_[a-zA-Z0-9=_\-]{40}", CI),
    (
        "sourcegraph-access-token",
        r"sgp_[a-fA-F0-9]{16}_[a-fA-F0-9]{40}",
        CI,
    ),
    ("sourcegraph-access-token", r"sgp_local_[a-fA-F0-9]{40}", CI),
    ("sourcegraph-access-token", r"sgp_[a-fA-F0-9]{40}", CI),
    ("square-access-token", r"EAAA[\w\-]{22,60}", 0),
    ("square-access-token", r"sq0atp-[\w\-]{22,60}", 0),
    ("stripe-access-token", r"sk_test_[a-zA-Z0-9]{10,99}", 0),
    ("stripe-access-token", r"sk_live_[a-zA-Z0-9]{10,99}", 0),
    ("stripe-access-token", r"sk_prod_[a-zA-Z0-9]{10,99}", 0),
    ("stripe-access-token", r"rk_test_[a-zA-Z0-9]{10,99}", 0),
    ("stripe-access-token", r"rk_live_[a-zA-Z0-9]{10,99}", 0),
    ("stripe-access-token", r"rk_prod_[a-zA-Z0-9]{10,99}", 0),
    ("twilio-api-key", r"SK[0-9a-fA-F]{32}", 0),
    (
        "twitter-bearer-token",
        r"AAAAAAAAAAAAAAAAAAAAAA[a-zA-Z0-9%]{80,100}",
        0,
    ),
    ("typeform-api-token", r"tfp_[a-zA-Z0-9\-_.=]{59}", CI),
    ("vault-batch-token", r"hvb.[\w\-]{138,300}", 0),
    ("vault-service-token", r"hvs.[\w\-]{90,120}", 0),
    ("vault-service-token", r"s.[a-zA-Z0-9]{24}", STRICT),
    (
        "yandex-access-token",
        r"t1.[A-Za-z0-9_\-]+[=]{0,2}.[A-Za-z0-9_\-]{86}[=]{0,2}",
        CI,
    ),
    ("yandex-api-key", r"AQVN[A-Za-z0-9_\-]{35,38}", CI),
    ("yandex-aws-access-token", r"YC[a-zA-Z0-9_\-]{38}", STRICT),
];

/// A UUID, the value shape of several vendors' keys.
const UUID: &str = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/// Vendor keys without a prefix of their own: kind, the vendor's names (lower case, found
/// anywhere, also inside a key), the value's spec (see [`FORMATS`]), flags.
const VENDOR_KEYS: &[(&str, &[&str], &str, u8)] = &[
    ("adafruit-api-key", &["adafruit"], r"[a-zA-Z0-9_\-]{32}", 0),
    ("adobe-client-id", &["adobe"], r"[a-fA-F0-9]{32}", 0),
    ("airtable-api-key", &["airtable"], r"[a-zA-Z0-9]{17}", 0),
    ("algolia-api-key", &["algolia"], r"[a-zA-Z0-9]{32}", 0),
    ("alibaba-secret-key", &["alibaba"], r"[a-zA-Z0-9]{30}", 0),
    ("asana-client-id", &["asana"], r"[0-9]{16}", 0),
    ("asana-client-secret", &["asana"], r"[a-zA-Z0-9]{32}", 0),
    (
        "atlassian-api-token",
        &["atlassian", "confluence", "jira"],
        r"[a-zA-Z0-9]{20}[a-fA-F0-9]{4}",
        0,
    ),
    ("beamer-api-token", &["beamer"], r"b_[a-zA-Z0-9=_\-]{44}", 0),
    ("bitbucket-client-id", &["bitbucket"], r"[a-zA-Z0-9]{32}", 0),
    (
        "bitbucket-client-secret",
        &["bitbucket"],
        r"[a-zA-Z0-9=_\-]{64}",
        0,
    ),
    ("bittrex-access-key", &["bittrex"], r"[a-zA-Z0-9]{32}", 0),
    ("cisco-meraki-api-key", &["meraki"], r"[0-9a-fA-F]{40}", 0),
    (
        "cloudflare-api-key",
        &["cloudflare"],
        r"[a-zA-Z0-9_\-]{40}",
        0,
    ),
    (
        "cloudflare-global-api-key",
        &["cloudflare"],
        r"[a-fA-F0-9]{37}",
        0,
    ),
    ("codecov-access-token", &["codecov"], r"[a-zA-Z0-9]{32}", 0),
    (
        "cohere-api-token",
        &["cohere", "co_api_key"],
        r"[a-zA-Z0-9]{40}",
        0,
    ),
    (
        "coinbase-access-token",
        &["coinbase"],
        r"[a-zA-Z0-9_\-]{64}",
        0,
    ),
    (
        "confluent-access-token",
        &["confluent"],
        r"[a-zA-Z0-9]{16}",
        0,
    ),
    (
        "confluent-secret-key",
        &["confluent"],
        r"[a-zA-Z0-9]{64}",
        0,
    ),
    (
        "contentful-delivery-api-token",
        &["contentful"],
        r"[a-zA-Z0-9=_\-]{43}",
        0,
    ),
    ("datadog-access-token", &["datadog"], r"[a-zA-Z0-9]{40}", 0),
    ("discord-api-token", &["discord"], r"[a-fA-F0-9]{64}", 0),
    ("discord-client-id", &["discord"], r"[0-9]{18}", 0),
    (
        "discord-client-secret",
        &["discord"],
        r"[a-zA-Z0-9=_\-]{32}",
        0,
    ),
    ("droneci-access-token", &["droneci"], r"[a-zA-Z0-9]{32}", 0),
    ("dropbox-api-token", &["dropbox"], r"[a-zA-Z0-9]{15}", 0),
    (
        "dropbox-long-lived-api-token",
        &["dropbox"],
        r"[a-zA-Z0-9]{11}AAAAAAAAAA[a-zA-Z0-9\-_=]{43}",
        RUNS,
    ),
    ("etsy-access-token", &["etsy"], r"[a-zA-Z0-9]{24}", 0),
    ("facebook-secret", &["facebook"], r"[a-fA-F0-9]{32}", 0),
    ("fastly-api-token", &["fastly"], r"[a-zA-Z0-9=_\-]{32}", 0),
    ("finicity-api-token", &["finicity"], r"[a-fA-F0-9]{32}", 0),
    (
        "finicity-client-secret",
        &["finicity"],
        r"[a-zA-Z0-9]{20}",
        0,
    ),
    ("finnhub-access-token", &["finnhub"], r"[a-zA-Z0-9]{20}", 0),
    ("flickr-access-token", &["flickr"], r"[a-zA-Z0-9]{32}", 0),
    (
        "freshbooks-access-token",
        &["freshbooks"],
        r"[a-zA-Z0-9]{64}",
        0,
    ),
    ("gitter-access-token", &["gitter"], r"[a-zA-Z0-9_\-]{40}", 0),
    (
        "gocardless-api-token",
        &["gocardless"],
        r"live_[a-zA-Z0-9\-_=]{40}",
        0,
    ),
    ("heroku-api-key", &["heroku"], UUID, 0),
    ("hubspot-api-key", &["hubspot"], UUID, 0),
    ("intercom-api-key", &["intercom"], r"[a-zA-Z0-9=_\-]{60}", 0),
    (
        "jfrog-api-key",
        &["jfrog", "artifactory", "bintray", "xray"],
        r"[a-zA-Z0-9]{73}",
        0,
    ),
    (
        "jfrog-identity-token",
        &["jfrog", "artifactory", "bintray", "xray"],
        r"[a-zA-Z0-9]{64}",
        0,
    ),
    (
        "kraken-access-token",
        &["kraken"],
        r"[a-zA-Z0-9/=_+\-]{80,90}",
        0,
    ),
    ("kucoin-access-token", &["kucoin"], r"[a-fA-F0-9]{24}", 0),
    ("kucoin-secret-key", &["kucoin"], UUID, 0),
    (
        "launchdarkly-access-token",
        &["launchdarkly"],
        r"[a-zA-Z0-9=_\-]{40}",
        0,
    ),
    ("linear-client-secret", &["linear"], r"[a-fA-F0-9]{32}", 0),
    (
        "linkedin-client-id",
        &["linkedin", "linked_in", "linked-in"],
        r"[a-zA-Z0-9]{14}",
        0,
    ),
    (
        "linkedin-client-secret",
        &["linkedin", "linked_in", "linked-in"],
        r"[a-zA-Z0-9]{16}",
        0,
    ),
    ("looker-client-id", &["looker"], r"[a-zA-Z0-9]{20}", 0),
    ("looker-client-secret", &["looker"], r"[a-zA-Z0-9]{24}", 0),
    (
        "mailgun-private-api-token",
        &["mailgun"],
        r"key-[a-fA-F0-9]{32}",
        0,
    ),
    (
        "mailgun-pub-key",
        &["mailgun"],
        r"pubkey-[a-fA-F0-9]{32}",
        0,
    ),
    (
        "mailgun-signing-key",
        &["mailgun"],
        r"[a-hA-H0-9]{32}-[a-hA-H0-9]{8}-[a-hA-H0-9]{8}",
        0,
    ),
    (
        "mattermost-access-token",
        &["mattermost"],
        r"[a-zA-Z0-9]{26}",
        0,
    ),
    (
        "messagebird-api-token",
        &["messagebird", "message-bird", "message_bird"],
        r"[a-zA-Z0-9]{25}",
        0,
    ),
    (
        "messagebird-client-id",
        &["messagebird", "message-bird", "message_bird"],
        UUID,
        0,
    ),
    (
        "netlify-access-token",
        &["netlify"],
        r"[a-zA-Z0-9=_\-]{40,46}",
        0,
    ),
    (
        "new-relic-user-api-id",
        &["new-relic", "newrelic", "new_relic", "new relic"],
        r"[a-zA-Z0-9]{64}",
        0,
    ),
    (
        "nytimes-access-token",
        &["nytimes", "new-york-times", "newyorktimes"],
        r"[a-zA-Z0-9=_\-]{32}",
        0,
    ),
    ("okta-access-token", &["okta"], r"00[\w=\-]{40}", 0),
    ("plaid-client-id", &["plaid"], r"[a-zA-Z0-9]{24}", 0),
    ("plaid-secret-key", &["plaid"], r"[a-zA-Z0-9]{30}", 0),
    (
        "privateai-api-token",
        &["privateai", "private_ai", "private-ai"],
        r"[a-zA-Z0-9]{32}",
        0,
    ),
    (
        "rapidapi-access-token",
        &["rapidapi"],
        r"[a-zA-Z0-9_\-]{50}",
        0,
    ),
    ("sendbird-access-id", &["sendbird"], UUID, 0),
    (
        "sendbird-access-token",
        &["sendbird"],
        r"[a-fA-F0-9]{40}",
        0,
    ),
    ("sentry-access-token", &["sentry"], r"[a-fA-F0-9]{64}", 0),
    (
        "sidekiq-secret",
        &["sidekiq", "contribsys"],
        r"[a-fA-F0-9]{8}:[a-fA-F0-9]{8}",
        0,
    ),
    ("snyk-api-token", &["snyk"], UUID, 0),
    (
        "sourcegraph-access-token",
        &["sourcegraph"],
        r"[a-fA-F0-9]{40}",
        0,
    ),
    ("sonar-api-token", &["sonar"], r"[a-zA-Z0-9=_\-]{40}", 0),
    ("squarespace-access-token", &["squarespace"], UUID, 0),
    ("sumologic-access-id", &["sumo"], r"su[a-zA-Z0-9]{12}", 0),
    ("sumologic-access-token", &["sumo"], r"[a-zA-Z0-9]{64}", 0),
    (
        "telegram-bot-api-token",
        &["telegr"],
        r"[0-9]{5,16}:A[a-zA-Z0-9_\-]{34}",
        0,
    ),
    ("travisci-access-token", &["travis"], r"[a-zA-Z0-9]{22}", 0),
    ("twitch-api-token", &["twitch"], r"[a-zA-Z0-9]{30}", 0),
    ("twitter-access-secret", &["twitter"], r"[a-zA-Z0-9]{45}", 0),
    (
        "twitter-access-token",
        &["twitter"],
        r"[0-9]{15,25}-[a-zA-Z0-9]{20,40}",
        0,
    ),
    ("twitter-api-key", &["twitter"], r"[a-zA-Z0-9]{25}", 0),
    ("twitter-api-secret", &["twitter"], r"[a-zA-Z0-9]{50}", 0),
    ("zendesk-secret-key", &["zendesk"], r"[a-zA-Z0-9]{40}", 0),
];

/// A class of bytes (ASCII only) with a repeat range.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seg {
    class: u128,
    min: u16,
    max: u16,
}

impl Seg {
    fn has(&self, b: u8) -> bool {
        b < 128 && self.class >> b & 1 == 1
    }
}

/// A parsed spec.
#[derive(Debug)]
struct Spec {
    kind: &'static str,
    segs: Vec<Seg>,
    /// The first segment of the anchor (0 when the token starts with its anchor).
    anchor: usize,
    /// The anchor literal, lower case.
    literal: Vec<u8>,
    /// Segment indices where the removed part starts and ends.
    cut: (usize, usize),
    flags: u8,
}

/// The longest a repeat may run, for `+`, `*` and `{m,}`.
const OPEN_MAX: u16 = 1000;

fn bit(b: u8) -> u128 {
    if b < 128 { 1u128 << b } else { 0 }
}

fn word_class() -> u128 {
    let mut class = bit(b'_');
    for b in b'0'..=b'9' {
        class |= bit(b);
    }
    for b in b'a'..=b'z' {
        class |= bit(b) | bit(b.to_ascii_uppercase());
    }
    class
}

/// Any printable ASCII byte but white space: where a rule's `.` is a wildcard.
fn printable_class() -> u128 {
    let mut class = 0;
    for b in b'!'..=b'~' {
        class |= bit(b);
    }
    class
}

/// Parses a spec of [`FORMATS`]; `None` if it is malformed (a test checks every spec).
fn parse(kind: &'static str, spec: &str, flags: u8) -> Option<Spec> {
    let bytes = spec.as_bytes();
    let mut segs: Vec<Seg> = Vec::new();
    let mut anchor = None;
    let mut anchor_end = None;
    let mut cut = (0, usize::MAX);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        let class = match b {
            b'<' => {
                anchor = Some(segs.len());
                continue;
            }
            b'>' => {
                anchor_end = Some(segs.len());
                continue;
            }
            b'!' => {
                cut.0 = segs.len();
                continue;
            }
            b'$' => {
                cut.1 = segs.len();
                continue;
            }
            b'[' => {
                let mut class = 0u128;
                loop {
                    let c = *bytes.get(i)?;
                    i += 1;
                    match c {
                        b']' => break,
                        b'\\' => {
                            let e = *bytes.get(i)?;
                            i += 1;
                            class |= if e == b'w' { word_class() } else { bit(e) };
                        }
                        _ if bytes.get(i) == Some(&b'-') && bytes.get(i + 1) != Some(&b']') => {
                            let hi = *bytes.get(i + 1)?;
                            i += 2;
                            for x in c..=hi {
                                class |= bit(x);
                            }
                        }
                        _ => class |= bit(c),
                    }
                }
                class
            }
            b'\\' => {
                let e = *bytes.get(i)?;
                i += 1;
                if e == b'a' { printable_class() } else { bit(e) }
            }
            _ if flags & CI != 0 && b.is_ascii_alphabetic() => {
                bit(b.to_ascii_lowercase()) | bit(b.to_ascii_uppercase())
            }
            _ => bit(b),
        };
        let (min, max) = match bytes.get(i) {
            Some(b'+') => {
                i += 1;
                (1, OPEN_MAX)
            }
            Some(b'*') => {
                i += 1;
                (0, OPEN_MAX)
            }
            Some(b'?') => {
                i += 1;
                (0, 1)
            }
            Some(b'{') => {
                let close = i + bytes.get(i..)?.iter().position(|&c| c == b'}')?;
                let inner = std::str::from_utf8(bytes.get(i + 1..close)?).ok()?;
                i = close + 1;
                match inner.split_once(',') {
                    None => {
                        let n = inner.parse().ok()?;
                        (n, n)
                    }
                    Some((lo, "")) => (lo.parse().ok()?, OPEN_MAX),
                    Some((lo, hi)) => (lo.parse().ok()?, hi.parse().ok()?),
                }
            }
            _ => (1, 1),
        };
        if min > max || class == 0 {
            return None;
        }
        segs.push(Seg { class, min, max });
    }
    let anchor_start = anchor.unwrap_or(0);
    let anchor_stop = match anchor {
        Some(_) => anchor_end?,
        None => segs
            .iter()
            .position(|s| !is_literal(s))
            .unwrap_or(segs.len()),
    };
    let literal: Vec<u8> = segs
        .get(anchor_start..anchor_stop)?
        .iter()
        .map(literal_byte)
        .collect::<Option<_>>()?;
    if literal.is_empty() || segs.is_empty() {
        return None;
    }
    if cut.1 == usize::MAX {
        cut.1 = segs.len();
    }
    Some(Spec {
        kind,
        segs,
        anchor: anchor_start,
        literal,
        cut,
        flags,
    })
}

/// A segment that is one byte (either case of one letter counts).
fn is_literal(seg: &Seg) -> bool {
    literal_byte(seg).is_some()
}

fn literal_byte(seg: &Seg) -> Option<u8> {
    if seg.min != 1 || seg.max != 1 {
        return None;
    }
    let lowest = seg.class.trailing_zeros();
    let b = u8::try_from(lowest).ok()?;
    let rest = seg.class & !bit(b);
    let ok = rest == 0
        || (b.is_ascii_uppercase() && rest == bit(b.to_ascii_lowercase()))
        || (b.is_ascii_lowercase() && rest == bit(b.to_ascii_uppercase()));
    ok.then_some(b.to_ascii_lowercase())
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The byte at `i`, or 0 outside the input.
fn at(input: &[u8], i: usize) -> u8 {
    input.get(i).copied().unwrap_or(0)
}

fn before(input: &[u8], i: usize) -> u8 {
    i.checked_sub(1).map_or(0, |j| at(input, j))
}

/// Matches `segs` forward from `pos`; returns the end. `marks` gets the position at which each
/// segment index in `want` was entered on the successful path. The byte after the end must be
/// neither a letter or digit nor in the last segment's class.
fn forward(
    input: &[u8],
    segs: &[Seg],
    i: usize,
    pos: usize,
    want: (usize, usize),
    marks: &mut (usize, usize),
    budget: &mut u32,
) -> Option<usize> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    if i == want.0 {
        marks.0 = pos;
    }
    if i == want.1 {
        marks.1 = pos;
    }
    let Some(seg) = segs.get(i) else {
        let next = at(input, pos);
        let last_has = segs.last().is_some_and(|s| s.min != s.max && s.has(next));
        return (!next.is_ascii_alphanumeric() && !last_has).then_some(pos);
    };
    let mut n = 0usize;
    while n < usize::from(seg.max) && seg.has(at(input, pos + n)) {
        n += 1;
    }
    let min = usize::from(seg.min);
    while n >= min {
        if let Some(end) = forward(input, segs, i + 1, pos + n, want, marks, budget) {
            return Some(end);
        }
        if n == 0 {
            break;
        }
        n -= 1;
    }
    None
}

/// Matches `segs[..i]` backward, ending at `pos`; returns the start. The byte before the start
/// must be neither a letter or digit nor in the first segment's class.
fn backward(input: &[u8], segs: &[Seg], i: usize, pos: usize, budget: &mut u32) -> Option<usize> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    let Some(seg) = i.checked_sub(1).and_then(|j| segs.get(j)) else {
        let prev = before(input, pos);
        let first_has = segs.first().is_some_and(|s| s.has(prev));
        return (!prev.is_ascii_alphanumeric() && !first_has).then_some(pos);
    };
    let mut n = 0usize;
    while n < usize::from(seg.max) && n < pos && seg.has(before(input, pos - n)) {
        n += 1;
    }
    let min = usize::from(seg.min);
    while n >= min {
        if let Some(start) = backward(input, segs, i - 1, pos - n, budget) {
            return Some(start);
        }
        if n == 0 {
            break;
        }
        n -= 1;
    }
    None
}

/// The token of `spec` whose anchor starts at `hit`: (start, end) of the part to remove.
fn match_at(input: &[u8], spec: &Spec, hit: usize) -> Option<(usize, usize, usize, usize)> {
    let mut budget = 4096;
    let start = if spec.anchor == 0 {
        let prev = before(input, hit);
        if prev.is_ascii_alphanumeric() {
            return None;
        }
        hit
    } else {
        backward(input, &spec.segs, spec.anchor, hit, &mut budget)?
    };
    let tail = spec.segs.get(spec.anchor..)?;
    let want = (
        spec.cut.0.wrapping_sub(spec.anchor),
        spec.cut.1.wrapping_sub(spec.anchor),
    );
    let mut marks = (usize::MAX, usize::MAX);
    let end = forward(input, tail, 0, hit, want, &mut marks, &mut budget)?;
    let cut_start = if spec.cut.0 <= spec.anchor && spec.cut.0 == 0 {
        start
    } else if spec.cut.0 < spec.anchor {
        return None;
    } else {
        marks.0
    };
    let cut_end = if spec.cut.1 == spec.anchor {
        hit
    } else if spec.cut.1 < spec.anchor {
        return None;
    } else {
        marks.1
    };
    if cut_start >= cut_end || cut_end > end {
        return None;
    }
    Some((start, end, cut_start, cut_end))
}

/// Shannon entropy of `bytes` in bits per byte.
fn entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in bytes {
        if let Some(c) = counts.get_mut(usize::from(b)) {
            *c += 1;
        }
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Words that mark a placeholder value (compared ASCII case-insensitively).
const PLACEHOLDER_WORDS: &[&[u8]] = &[
    b"example",
    b"placeholder",
    b"changeme",
    b"change_me",
    b"change-me",
    b"your_",
    b"your-",
    b"yourkey",
    b"yourtoken",
    b"yoursecret",
    b"dummy",
    b"sample",
    b"redacted",
    b"xxxx",
    b"****",
    b"<",
    b"${",
    b"{{",
    b"%(",
];

/// A value that is a placeholder or too regular to be a real key; see the module docs.
fn is_placeholder(value: &[u8], flags: u8) -> bool {
    if value.is_empty() {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    if lower.starts_with(b"your") || lower.ends_with(b"here") {
        return true;
    }
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| memchr::memmem::find(&lower, w).is_some())
    {
        return true;
    }
    let mut distinct = [false; 256];
    let mut n_distinct = 0;
    let mut run = 1;
    let mut longest_run = 1;
    let mut up = 1;
    let mut longest_up = 1;
    let mut prev: Option<u8> = None;
    for &b in value {
        if let Some(seen) = distinct.get_mut(usize::from(b))
            && !*seen
        {
            *seen = true;
            n_distinct += 1;
        }
        match prev {
            Some(p) if p == b => run += 1,
            _ => run = 1,
        }
        match prev {
            Some(p) if p.is_ascii_alphanumeric() && p.wrapping_add(1) == b => up += 1,
            _ => up = 1,
        }
        longest_run = longest_run.max(run);
        longest_up = longest_up.max(up);
        prev = Some(b);
    }
    if n_distinct < 4.min(value.len()) || longest_up >= 6 {
        return true;
    }
    if flags & RUNS == 0 && longest_run >= 8 {
        return true;
    }
    let floor = if value.iter().all(u8::is_ascii_digit) {
        2.0
    } else {
        2.5
    };
    value.len() >= 12 && entropy(value) < floor
}

/// A standalone match of a [`STRICT`] format: mixed letters and digits, 3.5+ bits per byte
/// (3.0 for hex).
fn strict_ok(value: &[u8]) -> bool {
    let floor = if value.iter().all(u8::is_ascii_hexdigit) {
        3.0
    } else {
        3.5
    };
    value.iter().any(u8::is_ascii_digit)
        && value.iter().any(u8::is_ascii_alphabetic)
        && entropy(value) >= floor
}

/// What a found anchor starts.
#[derive(Clone, Copy)]
enum Action {
    Format(usize),
    Vendor(usize),
}

struct Tokens {
    /// Lower-case anchors that start a token or a vendor name.
    patterns: Vec<Vec<u8>>,
    /// Actions per pattern.
    actions: Vec<Vec<Action>>,
    /// Which candidate positions may start a pattern.
    filter: Filter,
    /// Patterns by their first two lower-cased bytes, longest first.
    buckets: std::collections::HashMap<u16, Vec<usize>>,
    /// Anchors inside or at the end of a token (`Q~`, `_mmk`, `.atlasv1.`), as written, with
    /// their format: found with `memmem`.
    infixes: Vec<(Vec<u8>, usize)>,
    formats: Vec<Spec>,
    vendors: Vec<Spec>,
}

fn tokens() -> &'static Tokens {
    static TOKENS: OnceLock<Tokens> = OnceLock::new();
    TOKENS.get_or_init(build)
}

fn build() -> Tokens {
    let mut patterns: Vec<Vec<u8>> = Vec::new();
    let mut actions: Vec<Vec<Action>> = Vec::new();
    let mut add = |pattern: &[u8], action: Action| {
        let lower = pattern.to_ascii_lowercase();
        match patterns.iter().position(|p| *p == lower) {
            Some(i) => {
                if let Some(list) = actions.get_mut(i) {
                    list.push(action);
                }
            }
            None => {
                patterns.push(lower);
                actions.push(vec![action]);
            }
        }
    };
    let formats: Vec<Spec> = FORMATS
        .iter()
        .filter_map(|&(kind, spec, flags)| parse(kind, spec, flags))
        .collect();
    for (i, spec) in formats.iter().enumerate() {
        add(&spec.literal, Action::Format(i));
    }
    let mut vendors = Vec::new();
    for &(kind, names, spec, flags) in VENDOR_KEYS {
        // A value spec may start with a class: give it a dummy anchor so it parses.
        let Some(mut parsed) = parse(kind, &format!("<\x01>{spec}"), flags) else {
            continue;
        };
        parsed.segs.remove(0);
        parsed.cut = (0, parsed.segs.len());
        parsed.literal.clear();
        let index = vendors.len();
        vendors.push(parsed);
        for name in names {
            add(name.as_bytes(), Action::Vendor(index));
        }
    }
    let mut infixes = Vec::new();
    let mut filter = Filter::default();
    let mut buckets: std::collections::HashMap<u16, Vec<usize>> = std::collections::HashMap::new();
    for (i, pattern) in patterns.iter().enumerate() {
        let infix = actions.get(i).and_then(|list| match list.first() {
            Some(Action::Format(f)) => formats.get(*f).filter(|spec| spec.anchor > 0).map(|_| *f),
            _ => None,
        });
        if let Some(f) = infix {
            let written = formats
                .get(f)
                .and_then(|spec| spec.segs.get(spec.anchor..spec.anchor + spec.literal.len()))
                .map(|segs| segs.iter().map(written_byte).collect())
                .unwrap_or_else(|| pattern.clone());
            infixes.push((written, f));
            continue;
        }
        filter.add(pattern);
        buckets.entry(pair_key(pattern, 0)).or_default().push(i);
    }
    for bucket in buckets.values_mut() {
        bucket.sort_by_key(|&i| std::cmp::Reverse(patterns.get(i).map_or(0, Vec::len)));
    }
    Tokens {
        patterns,
        actions,
        filter,
        buckets,
        infixes,
        formats,
        vendors,
    }
}

/// Which positions may start a pattern: a direct bit table of the lower-cased first two bytes,
/// then bit sets of the first 3 and 4 bytes (hashed to 16 bits) of the patterns that long, so
/// that a common word start (`path`, `config`) rarely reaches the patterns.
struct Filter {
    pairs: Vec<u64>,
    /// Pairs that are a whole pattern (`sk`, `ey`, `yc`): no longer prefix to check.
    short: Vec<u64>,
    longer: [Vec<u64>; 2],
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            pairs: vec![0u64; 1024],
            short: vec![0u64; 1024],
            longer: [vec![0u64; 1024], vec![0u64; 1024]],
        }
    }
}

fn set_bit(bits: &mut [u64], key: u16) {
    if let Some(word) = bits.get_mut(usize::from(key >> 6)) {
        *word |= 1 << (key & 63);
    }
}

fn has_bit(bits: &[u64], key: u16) -> bool {
    bits.get(usize::from(key >> 6))
        .is_some_and(|word| word >> (key & 63) & 1 == 1)
}

impl Filter {
    fn step(h: u32, b: u8) -> u32 {
        (h ^ u32::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0193)
    }

    fn fold(h: u32) -> u16 {
        (h ^ h >> 16) as u16
    }

    fn add(&mut self, pattern: &[u8]) {
        let pair = pair_key(pattern, 0);
        set_bit(&mut self.pairs, pair);
        let h3 = Self::step(u32::from(pair), at(pattern, 2));
        match pattern.len() {
            0..=2 => set_bit(&mut self.short, pair),
            3 => set_bit(&mut self.longer[0], Self::fold(h3)),
            _ => set_bit(
                &mut self.longer[1],
                Self::fold(Self::step(h3, at(pattern, 3))),
            ),
        }
    }

    fn may_start(&self, input: &[u8], p: usize) -> bool {
        let pair = pair_key(input, p);
        if !has_bit(&self.pairs, pair) {
            return false;
        }
        if has_bit(&self.short, pair) {
            return true;
        }
        let h3 = Self::step(u32::from(pair), at(input, p + 2));
        has_bit(&self.longer[0], Self::fold(h3))
            || has_bit(
                &self.longer[1],
                Self::fold(Self::step(h3, at(input, p + 3))),
            )
    }
}

/// The byte a literal segment stands for, as written (the lower case of a letter in either
/// case).
fn written_byte(seg: &Seg) -> u8 {
    let lowest = u8::try_from(seg.class.trailing_zeros()).unwrap_or(0);
    if seg.class.count_ones() == 1 {
        lowest
    } else {
        lowest.to_ascii_lowercase()
    }
}

/// The lower-cased first two bytes at `i` as one key.
fn pair_key(bytes: &[u8], i: usize) -> u16 {
    u16::from(at(bytes, i).to_ascii_lowercase()) << 8
        | u16::from(at(bytes, i + 1).to_ascii_lowercase())
}

/// Calls `visit` with every position where a token or a vendor name may start: a letter, digit
/// or `_` after a byte that is neither a letter nor a digit (`ghp_` after `=`, `ADAFRUIT` after
/// `MY_`, `sentry` after `-`), and an upper-case letter after a lower-case one
/// (`ciscoMerakiApiKey`). Classifies 64 bytes at a time into bit masks, so the work per byte is
/// one table load.
fn candidates(input: &[u8], mut visit: impl FnMut(usize)) {
    let mut carry_alnum = 0u64;
    let mut carry_lower = 0u64;
    for (block_index, block) in input.chunks(64).enumerate() {
        let masks = super::classes::Masks::of(block);
        let (alnum, upper, lower) = (masks.alnum(), masks.upper, masks.lower);
        let word = alnum | masks.underscore;
        let mut starts =
            (word & !(alnum << 1 | carry_alnum)) | (upper & (lower << 1 | carry_lower));
        carry_alnum = alnum >> 63;
        carry_lower = lower >> 63;
        let base = block_index * 64;
        while starts != 0 {
            let j = starts.trailing_zeros() as usize;
            starts &= starts - 1;
            visit(base + j);
        }
    }
}

/// Reports every self-identifying token and vendor key in `input` as `(start, end, kind)` of
/// the bytes to remove.
pub(super) fn find(input: &[u8], mut report: impl FnMut(usize, usize, &'static str)) {
    let tokens = tokens();
    // Where the last token found ends: a candidate inside it is part of it.
    let mut skip_to = 0;
    candidates(input, |p| {
        if p < skip_to {
            return;
        }
        if !tokens.filter.may_start(input, p) {
            return;
        }
        let key = pair_key(input, p);

        let Some(bucket) = tokens.buckets.get(&key) else {
            return;
        };
        for &i in bucket {
            let Some(pattern) = tokens.patterns.get(i) else {
                continue;
            };
            let here = input.get(p..p + pattern.len());
            if !here.is_some_and(|h| h.eq_ignore_ascii_case(pattern)) {
                continue;
            }
            let Some(actions) = tokens.actions.get(i) else {
                continue;
            };
            if let Some((start, end, kind, token)) =
                run_actions(input, tokens, actions, p, p + pattern.len())
            {
                report(start, end, kind);
                // A vendor's value may lie past other tokens: only a token skips ahead.
                if token {
                    skip_to = end;
                }
                return;
            }
        }
    });
    for (anchor, format) in &tokens.infixes {
        let Some(spec) = tokens.formats.get(*format) else {
            continue;
        };
        for hit in memchr::memmem::find_iter(input, anchor) {
            if let Some((start, end, kind)) = format_at(input, spec, hit) {
                report(start, end, kind);
            }
        }
    }
}

/// The first token the `actions` of an anchor at `start..end` find: (start, end, kind, whether
/// it is a self-identifying token rather than a vendor's value).
fn run_actions(
    input: &[u8],
    tokens: &Tokens,
    actions: &[Action],
    start: usize,
    end: usize,
) -> Option<(usize, usize, &'static str, bool)> {
    let mut vendor_done = false;
    for action in actions {
        match *action {
            Action::Format(i) => {
                if let Some((s, e, kind)) = tokens
                    .formats
                    .get(i)
                    .and_then(|spec| format_at(input, spec, start))
                {
                    return Some((s, e, kind, true));
                }
            }
            Action::Vendor(_) if vendor_done => {}
            Action::Vendor(_) => {
                vendor_done = true;
                if let Some((s, e, kind)) = vendor_value(input, tokens, actions, start, end) {
                    return Some((s, e, kind, false));
                }
            }
        }
    }
    None
}

/// The token of `spec` at `hit`, unless it is a placeholder.
fn format_at(input: &[u8], spec: &Spec, hit: usize) -> Option<(usize, usize, &'static str)> {
    // The anchor's letters must have the case the format gives them.
    let literal_segs = spec
        .segs
        .get(spec.anchor..spec.anchor + spec.literal.len())?;
    let exact = literal_segs
        .iter()
        .enumerate()
        .all(|(j, seg)| seg.has(at(input, hit + j)));
    if !exact {
        return None;
    }
    let (start, end, cut_start, cut_end) = match_at(input, spec, hit)?;
    let whole = input.get(start..end)?;
    let body = if spec.anchor == 0 {
        whole.get(spec.literal.len()..).unwrap_or_default()
    } else {
        whole
    };
    let checked = if body.len() >= 8 { body } else { whole };
    if is_placeholder(checked, spec.flags) {
        return None;
    }
    if spec.flags & STRICT != 0 && !strict_ok(body) {
        return None;
    }
    Some((cut_start, cut_end, spec.kind))
}

/// How far after a vendor's name its key may start.
const WINDOW: usize = 96;

/// Words between a vendor's name and a hex value that say the value is a key even without an
/// assignment (`the adobe client id is 3f2a…`).
const SECRET_WORDS: &[&[u8]] = &[
    b"key",
    b"token",
    b"secret",
    b"pass",
    b"credential",
    b"auth",
    b"client",
    b"access",
    b"api",
];

/// Key words that say a hex value next to a vendor's name is a digest, not a key.
const HASH_WORDS: &[&[u8]] = &[
    b"sha",
    b"md5",
    b"digest",
    b"checksum",
    b"hash",
    b"commit",
    b"sum",
    b"etag",
    b"revision",
    b"fingerprint",
];

/// A key of one of the vendors in `actions` after a vendor name ending at `name_end`.
fn vendor_value(
    input: &[u8],
    tokens: &Tokens,
    actions: &[Action],
    name_start: usize,
    name_end: usize,
) -> Option<(usize, usize, &'static str)> {
    // `</DatadogApiKey>` closes an element: its value came before it.
    let mut key_start = name_start;
    while key_start > 0 && is_key_byte(before(input, key_start)) {
        key_start -= 1;
    }
    if key_start >= 2 && input.get(key_start - 2..key_start) == Some(b"</") {
        return None;
    }
    let name = input.get(name_start..name_end)?;
    let specs: Vec<&Spec> = actions
        .iter()
        .filter_map(|a| match *a {
            Action::Vendor(i) => tokens.vendors.get(i),
            Action::Format(_) => None,
        })
        .collect();
    let first_kind = specs.first()?.kind;
    let mut limit = (name_end + WINDOW).min(input.len());
    let mut breaks = 0;
    for (j, &b) in input.get(name_end..limit)?.iter().enumerate() {
        if b == b'\n' {
            breaks += 1;
            if breaks > 2 {
                limit = name_end + j;
                break;
            }
        }
    }
    let operator_value = operator_value(input, name_end, limit);
    let line_end =
        memchr::memchr(b'\n', input.get(name_end..limit)?).map_or(limit, |i| name_end + i);
    // The value right after the operator, then any on the name's line, then the generic
    // value after the operator, then the next lines (nested YAML, JSON, INI sections).
    if let Some(found) =
        operator_value.and_then(|p| spec_value_at(input, &specs, name, name_end, p))
    {
        return Some(found);
    }
    if let Some(found) =
        (name_end..line_end).find_map(|p| spec_value_at(input, &specs, name, name_end, p))
    {
        return Some(found);
    }
    if let Some(p) = operator_value
        && let Some(end) = generic_value(input, p)
    {
        return Some((p, end, first_kind));
    }
    if !opens_block(input, name_end, line_end) {
        return None;
    }
    (line_end..limit).find_map(|p| spec_value_at(input, &specs, name, name_end, p))
}

/// Whether the vendor name's line opens a block whose values follow on the next lines: it ends
/// with `:`, `{`, `[`, `]` (an INI or TOML section), `>` or `(`.
fn opens_block(input: &[u8], name_end: usize, line_end: usize) -> bool {
    let rest = input.get(name_end..line_end).unwrap_or_default();
    let trimmed = rest
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'"' | b'\''))
        .and_then(|i| rest.get(..=i))
        .unwrap_or_default();
    // `<add … />` and `-->` close what they open.
    if trimmed.ends_with(b"/>") || trimmed.ends_with(b"->") {
        return false;
    }
    matches!(
        trimmed.last(),
        Some(b':' | b'{' | b'[' | b']' | b'>' | b'(')
    )
}

/// A value of one of `specs` starting at `p`.
fn spec_value_at(
    input: &[u8],
    specs: &[&Spec],
    name: &[u8],
    name_end: usize,
    p: usize,
) -> Option<(usize, usize, &'static str)> {
    let prev = before(input, p);
    if prev.is_ascii_alphanumeric() || at(input, p).is_ascii_whitespace() {
        return None;
    }
    for spec in specs {
        let mut budget = 2048;
        let mut marks = (usize::MAX, usize::MAX);
        let Some(end) = forward(
            input,
            &spec.segs,
            0,
            p,
            (0, usize::MAX),
            &mut marks,
            &mut budget,
        ) else {
            continue;
        };
        if spec.segs.first().is_some_and(|s| s.has(prev)) {
            continue;
        }
        let value = input.get(p..end)?;
        // A key holding the vendor's name (`FinicityClientSecret`) is not its value.
        let holds_name = value
            .windows(name.len().max(1))
            .any(|w| w.eq_ignore_ascii_case(name));
        if holds_name || is_placeholder(value, spec.flags) || !value_ok(value, input, name_end, p) {
            continue;
        }
        return Some((p, end, spec.kind));
    }
    None
}

/// Whether the value at `p` follows an assignment operator (`=`, `:`, `>`, `,`), across
/// quotes and white space on its line.
fn is_assigned(input: &[u8], p: usize) -> bool {
    let mut k = p;
    let mut steps = 0;
    while k > 0 && steps < 8 {
        match before(input, k) {
            b'"' | b'\'' | b'`' | b' ' | b'\t' | b'(' | b'\\' => {
                k -= 1;
                steps += 1;
            }
            b'=' | b':' | b'>' | b',' => return true,
            _ => return false,
        }
    }
    false
}

/// Whether `value` at `p` may be a key: hex, UUIDs and digits only right after an assignment
/// or after a word such as `key`, `token`, `client` (not merely near the vendor's name), and
/// never after a hash key word (`sha256`, `commit`).
fn value_ok(value: &[u8], input: &[u8], name_end: usize, p: usize) -> bool {
    let hex = value.iter().all(|&b| b.is_ascii_hexdigit() || b == b'-');
    if hex {
        let between = input
            .get(name_end..p)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let named = SECRET_WORDS
            .iter()
            .any(|w| memchr::memmem::find(&between, w).is_some());
        if !named && !is_assigned(input, p) {
            return false;
        }
        if HASH_WORDS
            .iter()
            .any(|w| memchr::memmem::find(&between, w).is_some())
        {
            return false;
        }
    }
    true
}

/// Where the value starts when a vendor name ending at `name_end` is followed by the rest of a
/// key and an assignment operator: `_API_KEY = "`, `Key>`, `", "`, `:=`, `=>`, `?=`, `||:`.
fn operator_value(input: &[u8], name_end: usize, limit: usize) -> Option<usize> {
    let mut p = name_end;
    // The rest of the key (also a Go type name: `var adafruitKey string = `).
    let mut taken = 0;
    while p < limit
        && taken < 40
        && (at(input, p).is_ascii_alphanumeric()
            || matches!(at(input, p), b'_' | b'.' | b'-' | b' ' | b'\t'))
    {
        p += 1;
        taken += 1;
    }
    let mut closers = 0;
    while p < limit
        && closers < 4
        && matches!(
            at(input, p),
            b'"' | b'\'' | b'`' | b']' | b')' | b'\\' | b' ' | b'\t'
        )
    {
        p += 1;
        closers += 1;
    }
    let op_start = p;
    while p < limit
        && p - op_start < 3
        && matches!(at(input, p), b'=' | b':' | b'>' | b'|' | b'?' | b',' | b'.')
    {
        p += 1;
    }
    let run = input.get(op_start..p)?;
    // The longest operator the run starts with; a further `=` opens the value (`==v` in a
    // cookie is the value `=v`).
    let op_len = [
        &b":::="[..],
        b"::=",
        b"||:",
        b":=",
        b"=>",
        b"?=",
        b".=",
        b"||",
        b"=",
        b":",
        b">",
        b",",
    ]
    .iter()
    .find(|op| run.starts_with(op))?
    .len();
    p = op_start + op_len;
    let mut openers = 0;
    while p < limit
        && openers < 6
        && matches!(
            at(input, p),
            b'"' | b'\'' | b'`' | b' ' | b'\t' | b'=' | b'\\' | b'('
        )
    {
        p += 1;
        openers += 1;
    }
    (p < limit).then_some(p)
}

/// A value of 16 to 256 token bytes at `p` with a letter, a digit and 3.3+ bits per byte of
/// entropy, ended by a quote, white space or punctuation that ends values; never pure hex, a
/// UUID, or a value holding a `.`. Returns its end.
fn generic_value(input: &[u8], p: usize) -> Option<usize> {
    let is_value =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=' | b'~');
    let mut end = p;
    while end < input.len() && end - p <= 256 && is_value(at(input, end)) {
        end += 1;
    }
    let next = at(input, end);
    let ends = matches!(
        next,
        0 | b' '
            | b'\t'
            | b'\r'
            | b'\n'
            | b'"'
            | b'\''
            | b'`'
            | b';'
            | b','
            | b'&'
            | b'<'
            | b')'
            | b'}'
            | b']'
            | b'\\'
            | b'|'
    );
    let value = input.get(p..end)?;
    let hexish = value.iter().all(|&b| b.is_ascii_hexdigit() || b == b'-');
    let ok = ends
        && (16..=256).contains(&value.len())
        && value.iter().any(u8::is_ascii_digit)
        && value.iter().any(u8::is_ascii_alphabetic)
        && !hexish
        && entropy(value) >= 3.3
        && !is_placeholder(value, 0);
    ok.then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        find(text.as_bytes(), |s, e, k| {
            out.push((text.get(s..e).unwrap_or_default().to_owned(), k));
        });
        out
    }

    /// A deterministic pseudo-random body of `n` bytes from `alphabet`.
    fn body(seed: u64, alphabet: &str, n: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chars
                    .get(usize::try_from(x % chars.len() as u64).unwrap_or(0))
                    .copied()
                    .unwrap_or('a')
            })
            .collect()
    }

    const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const HEX: &str = "0123456789abcdef";

    #[test]
    fn every_spec_parses_with_an_anchor() {
        for &(kind, spec, flags) in FORMATS {
            let parsed = parse(kind, spec, flags);
            assert!(parsed.is_some(), "{kind}: {spec} does not parse");
            if let Some(p) = parsed {
                assert!(
                    p.literal.len() >= 2 || p.anchor > 0,
                    "{kind}: anchor too short"
                );
            }
        }
        for &(kind, _, spec, flags) in VENDOR_KEYS {
            assert!(
                parse(kind, &format!("<\x01>{spec}"), flags).is_some(),
                "{kind}: {spec}"
            );
        }
        assert_eq!(tokens().formats.len(), FORMATS.len());
        assert_eq!(tokens().vendors.len(), VENDOR_KEYS.len());
        assert!(!tokens().infixes.is_empty() && !tokens().buckets.is_empty());
    }

    #[test]
    fn self_identifying_tokens_are_found_alone_in_a_sentence() {
        let cases = [
            (format!("ghp_{}", body(1, ALNUM, 36)), "github-pat"),
            (
                format!("github_pat_{}", body(2, ALNUM, 82)),
                "github-fine-grained-pat",
            ),
            (format!("glpat-{}", body(3, ALNUM, 20)), "gitlab-pat"),
            (
                format!(
                    "xoxb-{}-{}-{}",
                    body(4, "0123456789", 12),
                    body(5, "0123456789", 12),
                    body(6, ALNUM, 24)
                ),
                "slack-bot-token",
            ),
            (
                format!("sk_live_{}", body(7, ALNUM, 24)),
                "stripe-access-token",
            ),
            (
                format!(
                    "sk-proj-{}T3BlbkFJ{}",
                    body(8, ALNUM, 74),
                    body(9, ALNUM, 74)
                ),
                "openai-api-key",
            ),
            (format!("AIza{}", body(10, ALNUM, 35)), "gcp-api-key"),
            (
                format!(
                    "hf_{}",
                    body(11, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", 34)
                ),
                "huggingface-access-token",
            ),
            (format!("npm_{}", body(12, ALNUM, 36)), "npm-access-token"),
            (
                format!("EAAC{}", body(13, ALNUM, 120)),
                "facebook-page-access-token",
            ),
            (format!("dop_v1_{}", body(14, HEX, 64)), "digitalocean-pat"),
            (
                format!("pypi-AgEIcHlwaS5vcmc{}", body(15, ALNUM, 60)),
                "pypi-upload-token",
            ),
            (
                format!("AKIA{}", body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
                "aws-access-key-id",
            ),
        ];
        for (token, kind) in cases {
            for text in [
                format!("the build used {token} to log in"),
                format!("2026-01-01T00:00:00Z INFO auth ok token={token}"),
                format!("{{\"t\":\"{token}\"}}"),
                format!("https://example.com/x?key={token}&y=1"),
            ] {
                assert_eq!(found(&text), vec![(token.clone(), kind)], "{text}");
            }
        }
    }

    #[test]
    fn tokens_without_a_prefix_are_found_around_their_anchor() {
        let azure = format!("abc8Q~{}", body(20, ALNUM, 31));
        assert_eq!(
            found(&format!("secret: {azure}\n")),
            vec![(azure, "azure-ad-client-secret")]
        );
        let mailchimp = format!("{}-us12", body(21, HEX, 32));
        assert_eq!(
            found(&format!("key {mailchimp} ok")),
            vec![(mailchimp, "mailchimp-api-key")]
        );
        let fb = format!("{}|{}", body(22, "0123456789", 15), body(23, ALNUM, 30));
        assert_eq!(
            found(&format!("token {fb}.")),
            vec![(fb, "facebook-access-token")]
        );
        let sidekiq = format!("{}:{}", body(24, HEX, 8), body(25, HEX, 8));
        assert_eq!(
            found(&format!(
                "source \"https://{sidekiq}@gems.contribsys.com/\""
            )),
            vec![(sidekiq, "sidekiq-sensitive-url")]
        );
        let session = body(26, "abcdefghijklmnopqrstuvwxyz0123456789", 32);
        assert_eq!(
            found(&format!("Cookie: _gitlab_session={session}")),
            vec![(session, "gitlab-session-cookie")]
        );
    }

    #[test]
    fn vendor_keys_are_found_next_to_the_vendor_name_in_any_assignment() {
        let key = body(30, "abcdefghijklmnopqrstuvwxyz0123456789", 32);
        for text in [
            format!("ADAFRUIT_API_KEY={key}"),
            format!("export ADAFRUIT_KEY=\"{key}\""),
            format!("adafruit_key: '{key}'"),
            format!("{{\"adafruit\": {{\"key\": \"{key}\"}}}}"),
            format!("ADAFRUIT_KEY ?= {key}"),
            format!("adafruitKey := \"{key}\""),
            format!("var adafruitKey string = \"{key}\""),
            format!("System.setProperty(\"ADAFRUIT_KEY\", \"{key}\");"),
            format!("\"adafruit_key\" => \"{key}\""),
            format!("<AdafruitKey>{key}</AdafruitKey>"),
            format!("<add key=\"AdafruitKey\" value=\"{key}\" />"),
            format!("the adafruit key is {key} now"),
        ] {
            assert_eq!(
                found(&text),
                vec![(key.clone(), "adafruit-api-key")],
                "{text}"
            );
        }
        let meraki = body(32, HEX, 40);
        assert_eq!(
            found(&format!("var ciscoMerakiApiKey string = \"{meraki}\"")),
            vec![(meraki, "cisco-meraki-api-key")]
        );
        let generic = body(31, ALNUM, 28);
        assert_eq!(
            found(&format!("DATADOG_APP_KEY={generic}")),
            vec![(generic, "datadog-access-token")]
        );
    }

    #[test]
    fn vendor_keys_in_nested_blocks_and_sentences_are_found_but_not_past_a_closing_tag() {
        let hex = body(50, HEX, 32);
        for text in [
            format!("adobe:\n  client_id: \"{hex}\"\n"),
            format!("[adobe]\nclient_id = {hex}\n"),
            format!("{{\n  \"adobe\": {{\n    \"client_id\": \"{hex}\"\n  }}\n}}"),
            format!("loaded adobe client id {hex} from vault"),
        ] {
            assert_eq!(
                found(&text),
                vec![(hex.clone(), "adobe-client-id")],
                "{text}"
            );
        }
        let secret = body(51, ALNUM, 20);
        let text = format!(
            "<FinicityApiToken>{}</FinicityApiToken>\n<FinicityClientSecret>{secret}</FinicityClientSecret>",
            body(52, HEX, 32)
        );
        let got = found(&text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got.get(1), Some(&(secret, "finicity-client-secret")));
        // A rule's wildcard `.` matches any byte (`xoxe.xoxb-`, `hooks.slack.com`).
        let hook = format!("hooks.slack.com/services/{}", body(53, ALNUM, 44));
        assert_eq!(
            found(&format!("url: https://{hook}\n")),
            vec![(hook, "slack-webhook-url")]
        );
    }

    #[test]
    fn the_redactor_removes_a_token_standing_alone_and_keeps_a_placeholder_token() {
        use crate::redact::{Found, Names, PseudonymKey, Redactor};
        let key = PseudonymKey::import(&format!("casefile-key-v1:{}", "ab".repeat(32)));
        let Ok(key) = key else {
            panic!("the test key parses");
        };
        let redactor = Redactor::new(&key, &Names::default());
        let token = format!("ghp_{}", body(60, ALNUM, 36));
        let text = format!("the build used {token} and the docs say AKIAXXXXXXXXXXXXXXXX\n");
        let mut found = Found::default();
        let out = redactor.redact_text(&text, &mut found);
        assert_eq!(
            out,
            "the build used [REDACTED] and the docs say AKIAXXXXXXXXXXXXXXXX\n"
        );
        assert_eq!(found.secret_kinds.get("github-pat"), Some(&1));
    }

    #[test]
    fn placeholders_and_identifiers_stay() {
        let sha1 = body(40, HEX, 40);
        let sha256 = body(41, HEX, 64);
        for text in [
            "AKIAXXXXXXXXXXXXXXXX".to_owned(),
            "AKIAIOSFODNN7EXAMPLE".to_owned(),
            format!("ghp_{}", "x".repeat(36)),
            format!("ghp_{}", "A".repeat(36)),
            "ghp_0123456789abcdefghijklmnopqrstuvwxyz".to_owned(),
            "GITHUB_TOKEN=${GITHUB_TOKEN}".to_owned(),
            "SLACK_TOKEN=xoxb-your-token-here".to_owned(),
            "ADAFRUIT_KEY=<your-adafruit-key>".to_owned(),
            "ADAFRUIT_KEY={{ adafruit_key }}".to_owned(),
            "adafruit_key = var.adafruit_key_production_value".to_owned(),
            format!("sentry-cli sha256: {sha256}"),
            format!("datadog-agent commit {sha1}"),
            format!("jira build {sha1}"),
            "heroku release 8d4e1f0a-52c1-4e8b-9f3a-2b7c6d5e4f10 deployed".to_owned(),
            format!("heroku release 8d4e1f0a-52c1-4e8b-9f3a-2b7c6d5e4f10\nrequest_id={sha1}"),
            format!("bitbucket commit {sha1} merged"),
            "the task ran on disk sda1; SKIPPED".to_owned(),
            "aws_secret is stored in vault".to_owned(),
        ] {
            assert_eq!(found(&text), vec![], "{text}");
        }
    }
}
