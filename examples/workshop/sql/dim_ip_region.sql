-- The tutorial's getregion(ip) is a Python UDF reading an IP range file
-- (ip.dat). ferry runs no Python UDFs: the ranges are a table, filled here,
-- and getregion is a SQL function over it, kept in the store's catalog so
-- every later SQL node (and ferry sql) can call it.
CREATE TABLE IF NOT EXISTS dim_ip_region (
 ip_start BIGINT COMMENT 'First address of the range, as a number',
 ip_end BIGINT COMMENT 'Last address of the range, as a number',
 region STRING COMMENT 'The region'
)
COMMENT 'IP address ranges and their regions (ip.dat of the tutorial)';

INSERT OVERWRITE TABLE dim_ip_region
SELECT * FROM (VALUES
  (16777216, 503316479, 'beijing'),      --   1.0.0.0 -  29.255.255.255
  (503316480, 1006632959, 'shanghai'),   --  30.0.0.0 -  59.255.255.255
  (1006632960, 1509949439, 'zhejiang'),  --  60.0.0.0 -  89.255.255.255
  (1509949440, 2013265919, 'guangdong'), --  90.0.0.0 - 119.255.255.255
  (2013265920, 2516582399, 'jiangsu'),   -- 120.0.0.0 - 149.255.255.255
  (2516582400, 3019898879, 'sichuan'),   -- 150.0.0.0 - 179.255.255.255
  (3019898880, 3758096383, 'hubei')      -- 180.0.0.0 - 223.255.255.255
);

CREATE OR REPLACE FUNCTION getregion(ip) AS (
  SELECT max(r.region) FROM dim_ip_region r
  WHERE TRY_CAST(split_part(ip, '.', 1) AS BIGINT) * 16777216 + TRY_CAST(split_part(ip, '.', 2) AS BIGINT) * 65536
      + TRY_CAST(split_part(ip, '.', 3) AS BIGINT) * 256 + TRY_CAST(split_part(ip, '.', 4) AS BIGINT)
    BETWEEN r.ip_start AND r.ip_end
);
