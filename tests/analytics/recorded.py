"""Platform answers shaped as each platform's reference documents them (field names, nesting, types: YouTube's
counts are strings, Facebook leaves out `shares` when nobody shared), with the numbers of one made-up post."""

BLUESKY_URI = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l6oveex3ii2l"
BLUESKY_GET_POSTS = {
    "posts": [
        {
            "uri": BLUESKY_URI,
            "cid": "bafyreia3tbsfxe3cc75xrxyyn6qc42oupi73fxiox76prlyi5bpx7hr72u",
            "author": {
                "did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
                "handle": "alice.bsky.social",
                "displayName": "Alice",
                "viewer": {"muted": False, "blockedBy": False},
                "labels": [],
                "createdAt": "2024-01-01T00:00:00.000Z",
            },
            "record": {"$type": "app.bsky.feed.post", "text": "Hello", "createdAt": "2026-12-01T10:00:00.000Z"},
            "replyCount": 2,
            "repostCount": 3,
            "likeCount": 12,
            "quoteCount": 1,
            "indexedAt": "2026-12-01T10:00:01.000Z",
            "viewer": {"threadMuted": False, "embeddingDisabled": False},
            "labels": [],
        }
    ]
}

MASTODON_STATUS = {
    "id": "103270115826048975",
    "created_at": "2026-12-01T10:00:00.000Z",
    "in_reply_to_id": None,
    "in_reply_to_account_id": None,
    "sensitive": False,
    "spoiler_text": "",
    "visibility": "public",
    "language": "en",
    "uri": "https://mastodon.example/users/alice/statuses/103270115826048975",
    "url": "https://mastodon.example/@alice/103270115826048975",
    "replies_count": 5,
    "reblogs_count": 6,
    "favourites_count": 11,
    "content": "<p>Hello</p>",
    "reblog": None,
    "media_attachments": [],
    "mentions": [],
    "tags": [],
    "emojis": [],
}

X_TWEET = {
    "data": {
        "id": "1460323737035677698",
        "text": "Hello",
        "edit_history_tweet_ids": ["1460323737035677698"],
        "public_metrics": {
            "retweet_count": 2,
            "reply_count": 1,
            "like_count": 9,
            "quote_count": 0,
            "bookmark_count": 1,
            "impression_count": 314,
        },
    }
}
X_CLIENT_FORBIDDEN = {
    "client_id": "101010101",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a "
    "Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "title": "Client Forbidden",
    "required_enrollment": "Appropriate Level of API Access",
    "reason": "client-not-enrolled",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
}
X_NOT_FOUND = {
    "errors": [
        {
            "value": "1460323737035677698",
            "detail": "Could not find tweet with id: [1460323737035677698].",
            "title": "Not Found Error",
            "resource_type": "tweet",
            "parameter": "id",
            "resource_id": "1460323737035677698",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
    ]
}


def insight(owner: str, name: str, value: int) -> dict[str, object]:
    """One metric of a Graph API insights answer."""
    return {
        "name": name,
        "period": "lifetime",
        "values": [{"value": value}],
        "title": name,
        "description": f"The {name} of the media.",
        "id": f"{owner}/insights/{name}/lifetime",
    }


THREADS_ID = "17890455410014227"
THREADS_INSIGHTS = {
    "data": [
        insight(THREADS_ID, "views", 120),
        insight(THREADS_ID, "likes", 14),
        insight(THREADS_ID, "replies", 3),
        insight(THREADS_ID, "reposts", 2),
        insight(THREADS_ID, "quotes", 1),
    ]
}
GRAPH_PERMISSION_ERROR = {
    "error": {
        "message": "(#10) Application does not have permission for this action",
        "type": "OAuthException",
        "code": 10,
        "fbtrace_id": "AbCdEfGhIjK",
    }
}
GRAPH_EXPIRED_TOKEN = {
    "error": {
        "message": "Error validating access token: Session has expired.",
        "type": "OAuthException",
        "code": 190,
        "error_subcode": 463,
        "fbtrace_id": "AbCdEfGhIjL",
    }
}

INSTAGRAM_ID = "17895695668004550"
INSTAGRAM_MEDIA = {"like_count": 42, "comments_count": 7, "id": INSTAGRAM_ID}
INSTAGRAM_INSIGHTS = {"data": [insight(INSTAGRAM_ID, "views", 1030), insight(INSTAGRAM_ID, "shares", 5)]}

FACEBOOK_POST_ID = "104560208735_122112233445566"
FACEBOOK_POST = {
    "reactions": {"data": [], "summary": {"total_count": 15, "viewer_reaction": "NONE"}},
    "comments": {"data": [], "summary": {"order": "ranked", "total_count": 4, "can_comment": True}},
    "shares": {"count": 2},
    "id": FACEBOOK_POST_ID,
}
FACEBOOK_INSIGHTS = {
    "data": [insight(FACEBOOK_POST_ID, "post_total_media_view_unique", 321)],
    "paging": {"previous": "https://graph.facebook.com/p", "next": "https://graph.facebook.com/n"},
}

YOUTUBE_ID = "dQw4w9WgXcQ"
YOUTUBE_VIDEOS = {
    "kind": "youtube#videoListResponse",
    "etag": "Vx1tT0bD6fY3Yv8YcVQ0kC2Zk3A",
    "items": [
        {
            "kind": "youtube#video",
            "etag": "q9mC0sCkVt3qGx1uMZr0xX8Tz4k",
            "id": YOUTUBE_ID,
            "statistics": {"viewCount": "1523", "likeCount": "87", "favoriteCount": "0", "commentCount": "12"},
        }
    ],
    "pageInfo": {"totalResults": 1, "resultsPerPage": 1},
}

PINTEREST_ID = "813744226420795884"
PINTEREST_ANALYTICS = {
    "all": {
        "daily_metrics": [
            {
                "data_status": "READY",
                "date": "2026-12-01",
                "metrics": {"IMPRESSION": 230, "SAVE": 4, "PIN_CLICK": 11, "OUTBOUND_CLICK": 6},
            }
        ],
        "summary_metrics": {"IMPRESSION": 230, "SAVE": 4, "PIN_CLICK": 11, "OUTBOUND_CLICK": 6},
    }
}

TIKTOK_ID = "7080213458555737986"
TIKTOK_QUERY = {
    "data": {
        "videos": [{"id": TIKTOK_ID, "like_count": 150, "comment_count": 12, "share_count": 8, "view_count": 4021}],
        "cursor": 0,
        "has_more": False,
    },
    "error": {"code": "ok", "message": "", "log_id": "20261201194722A6B3A3E5E2B3D4C5E6F7"},
}

LINKEDIN_ORGANIZATION = "urn:li:organization:2414183"
LINKEDIN_SHARE = "urn:li:share:7136969471583014912"
LINKEDIN_SHARE_STATISTICS = {
    "paging": {"count": 10, "start": 0, "links": []},
    "elements": [
        {
            "totalShareStatistics": {
                "uniqueImpressionsCount": 280,
                "shareCount": 3,
                "engagement": 0.0714,
                "clickCount": 19,
                "likeCount": 21,
                "impressionCount": 410,
                "commentCount": 6,
            },
            "share": LINKEDIN_SHARE,
            "organizationalEntity": LINKEDIN_ORGANIZATION,
        }
    ],
}
