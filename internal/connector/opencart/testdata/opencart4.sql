-- OpenCart 4.1.0.3 tables keycrm-sync reads and writes, written by hand from
-- upload/system/helper/db_schema.php as oc_db_create() renders it: columns are
-- NULLable unless the array says not_null, keys are PRIMARY KEY and KEY only.
CREATE TABLE `oc_product` (
  `product_id` int(11) NOT NULL AUTO_INCREMENT,
  `master_id` int(11) DEFAULT '0',
  `model` varchar(64),
  `sku` varchar(64),
  `upc` varchar(12),
  `ean` varchar(14),
  `jan` varchar(13),
  `isbn` varchar(17),
  `mpn` varchar(64),
  `location` varchar(128),
  `variant` text,
  `override` text,
  `quantity` int(4) DEFAULT '0',
  `stock_status_id` int(11),
  `image` varchar(255),
  `manufacturer_id` int(11),
  `shipping` tinyint(1) DEFAULT '1',
  `price` decimal(15,4) DEFAULT '0.0000',
  `points` int(8) DEFAULT '0',
  `tax_class_id` int(11),
  `date_available` date,
  `weight` decimal(15,8) DEFAULT '0.00000000',
  `weight_class_id` int(11) DEFAULT '0',
  `length` decimal(15,8) DEFAULT '0.00000000',
  `width` decimal(15,8) DEFAULT '0.00000000',
  `height` decimal(15,8) DEFAULT '0.00000000',
  `length_class_id` int(11) DEFAULT '0',
  `subtract` tinyint(1) DEFAULT '1',
  `minimum` int(11) DEFAULT '1',
  `rating` int(1) DEFAULT '0',
  `sort_order` int(11) DEFAULT '0',
  `status` tinyint(1) DEFAULT '0',
  `date_added` datetime,
  `date_modified` datetime,
  PRIMARY KEY (`product_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `oc_product_code` (
  `product_code_id` int(11) NOT NULL AUTO_INCREMENT,
  `product_id` int(11),
  `code` varchar(48),
  `value` varchar(255),
  PRIMARY KEY (`product_code_id`),
  KEY `code` (`code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `oc_product_description` (
  `product_id` int(11),
  `language_id` int(11),
  `name` varchar(255),
  `description` text,
  `tag` text,
  `meta_title` varchar(255),
  `meta_description` varchar(255),
  `meta_keyword` varchar(255),
  PRIMARY KEY (`product_id`, `language_id`),
  KEY `name` (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `oc_product_option_value` (
  `product_option_value_id` int(11) NOT NULL AUTO_INCREMENT,
  `product_option_id` int(11),
  `product_id` int(11),
  `option_id` int(11),
  `option_value_id` int(11) DEFAULT '0',
  `quantity` int(3) DEFAULT '0',
  `subtract` tinyint(1) DEFAULT '0',
  `price` decimal(15,4),
  `price_prefix` varchar(1),
  `points` int(8) DEFAULT '0',
  `points_prefix` varchar(1),
  `weight` decimal(15,8),
  `weight_prefix` varchar(1),
  PRIMARY KEY (`product_option_value_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
