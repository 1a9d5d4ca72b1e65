-- Split each raw log line of ods_raw_log_d into fields, as the tutorial's
-- "Process data" step does (its SQL, for the log format of user_log.txt:
-- $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent"$http_referer" "$http_user_agent").
CREATE TABLE IF NOT EXISTS dwd_log_info_di (
 ip STRING COMMENT 'The IP address',
 uid STRING COMMENT 'The user ID',
 time STRING COMMENT 'The time of the request',
 status STRING COMMENT 'The status code that is returned by the server',
 bytes STRING COMMENT 'The number of bytes that are returned to the client',
 region STRING COMMENT 'The region, which is obtained based on the IP address',
 method STRING COMMENT 'The type of the HTTP request',
 url STRING COMMENT 'url',
 protocol STRING COMMENT 'The version number of HTTP',
 referer STRING COMMENT 'The source URL',
 device STRING COMMENT 'The terminal type',
 identity STRING COMMENT 'The access type, which can be crawler, feed, user, or unknown'
)
PARTITIONED BY (
 dt STRING
)
LIFECYCLE 14;

INSERT OVERWRITE TABLE dwd_log_info_di PARTITION (dt='${bizdate}')
SELECT ip
  , uid
  , time
  , status
  , bytes
  , getregion(ip) AS region -- Obtain the region based on the IP address.
  , regexp_substr(request, '(^[^ ]+ )') AS method -- Use regular expressions to extract three fields from the request.
  , regexp_extract(request, '^[^ ]+ (.*) [^ ]+$') AS url
  , regexp_substr(request, '([^ ]+$)') AS protocol
  , regexp_extract(referer, '^[^/]+://([^/]+){1}') AS referer -- Clean the referer to get its host.
  , CASE
    WHEN TOLOWER(agent) RLIKE 'android' THEN 'android' -- The terminal and access type come from the agent.
    WHEN TOLOWER(agent) RLIKE 'iphone' THEN 'iphone'
    WHEN TOLOWER(agent) RLIKE 'ipad' THEN 'ipad'
    WHEN TOLOWER(agent) RLIKE 'macintosh' THEN 'macintosh'
    WHEN TOLOWER(agent) RLIKE 'windows phone' THEN 'windows_phone'
    WHEN TOLOWER(agent) RLIKE 'windows' THEN 'windows_pc'
    ELSE 'unknown'
  END AS device
  , CASE
    WHEN TOLOWER(agent) RLIKE '(bot|spider|crawler|slurp)' THEN 'crawler'
    WHEN TOLOWER(agent) RLIKE 'feed'
    OR regexp_extract(request, '^[^ ]+ (.*) [^ ]+$') RLIKE 'feed' THEN 'feed'
    WHEN TOLOWER(agent) NOT RLIKE '(bot|spider|crawler|feed|slurp)'
    AND agent RLIKE '^[Mozilla|Opera]'
    AND regexp_extract(request, '^[^ ]+ (.*) [^ ]+$') NOT RLIKE 'feed' THEN 'user'
    ELSE 'unknown'
  END AS identity
FROM (
  SELECT SPLIT(col, ' ')[0] AS ip
    , SPLIT(col, ' ')[2] AS uid
    , regexp_extract(col, '[[]([^]]+)[]]') AS time
    , SPLIT(col, '"')[1] AS request
    , split_part(trim(SPLIT(col, '"')[2]), ' ', 1) AS status
    , split_part(trim(SPLIT(col, '"')[2]), ' ', 2) AS bytes
    , SPLIT(col, '"')[3] AS referer
    , SPLIT(col, '"')[5] AS agent
  FROM ods_raw_log_d
  WHERE dt = '${bizdate}'
) a;
