package fieldmap

import "github.com/keycrm-sync/keycrm-sync/internal/catalog"

// synonyms lists, per canonical field, the headers that name it in Ukrainian,
// Russian and English exports, best first: when two columns name one field, the
// better synonym wins (MoySklad's "Артикул" over its "Код"). They are written as
// found in files and compared after Normalize. Each canonical name names itself.
var synonyms = map[string][]string{
	catalog.FieldSKU: {
		"SKU", "Артикул", "Article", "vendorCode", "Vendor code",
		"Артикул товару", "Артикул товара", "Код товару", "Код товара", // Prom: Код_товару
		"Reference", "Part number", "Product code", "Item code", "Арт", "Арт.",
		"Номенклатура.Код", "Код номенклатури", "Код номенклатуры",
		"Код", "Code", // 1C and MoySklad: only when nothing better is there
	},
	// On-hand stock only. Headers for available stock (on hand minus reserves)
	// are in availableStock: pushing those would subtract the reserves twice.
	catalog.FieldQuantity: {
		"Quantity", "Qty", "Stock", "Stock quantity", "Quantity in stock", "Stock qty",
		"On hand", "Quantity on hand",
		"Кількість", "К-сть", "Кіл-ть", "Залишок", "Залишки", "Кількість на складі",
		"Залишок на складі", "Фактичний залишок", "Кінцевий залишок", "Кількість товару",
		"Количество", "Кол-во", "Остаток", "Остатки", "Количество на складе", "Остаток на складе",
		"Количество товара на складе", "Фактический остаток", "Конечный остаток", "Количество товара",
	},
	catalog.FieldWarehouse: {"Warehouse", "Склад", "Warehouse name", "Назва складу", "Название склада"},
	catalog.FieldAvailable: {
		"Availability", "In stock?", "Stock status", "Наявність", "Наличие", "В наявності", "В наличии",
		"Статус наявності", "Статус наличия",
	},
	catalog.FieldPrice: {
		"Price", "Ціна", "Цена", "Regular price", "Retail price", "Роздрібна ціна", "Розничная цена",
		"Ціна роздрібна", "Цена розничная", "РРЦ", "Актуальна ціна", "Актуальная цена",
		"Ціна продажу", "Цена продажи",
	},
	catalog.FieldPurchasedPrice: {
		"Purchase price", "Cost price", "Cost", "Закупівельна ціна", "Закупочная цена",
		"Ціна закупівлі", "Цена закупки", "Собівартість", "Себестоимость", "Вхідна ціна", "Входная цена",
	},
	catalog.FieldCurrency: {"Currency", "Валюта", "currencyId", "Currency code", "Код валюти", "Код валюты"},
	catalog.FieldName: {
		"Name", "Назва", "Найменування", "Наименование", "Название", "Title", "Product name",
		"Назва товару", "Название товара", "Найменування товару", "Наименование товара",
		"Назва позиції", "Номенклатура", "Товар", "Product",
	},
	catalog.FieldDescription: {"Description", "Опис", "Описание", "Опис товару", "Описание товара"},
	catalog.FieldCategory: {
		"Category", "Categories", "Категорія", "Категория", "Група", "Группа", "Назва групи",
		"Название группы", "Група товарів", "Группа товаров", "Розділ", "Раздел",
	},
	catalog.FieldBarcode: {
		"Barcode", "EAN", "EAN13", "EAN-13", "GTIN", "UPC", "GTIN, UPC, EAN, or ISBN",
		"Штрихкод", "Штрих-код", "Штрих код", "Код маркування",
	},
	catalog.FieldWeight: {"Weight", "Вага", "Вес", "Маса", "Масса"},
	catalog.FieldLength: {"Length", "Довжина", "Длина"},
	catalog.FieldWidth:  {"Width", "Ширина"},
	catalog.FieldHeight: {"Height", "Висота", "Высота"},
	catalog.FieldImageURL: {
		"Image", "Images", "Image link", "Picture", "Pictures", "Photo", "Photos", "Фото",
		"Зображення", "Зображення товару", "Изображение", "Изображения", "Картинка", "Картинки",
		"Посилання зображення", "Посилання на зображення", "Ссылка на изображение",
		"Фотографії", "Фотографии",
	},
	catalog.FieldParentSKU: {
		"Parent", "Parent article", "Батьківський артикул", "Артикул батьківського товару",
		"Родительский артикул", "Артикул родителя",
	},
	catalog.FieldProperties: {
		"Характеристики", "Властивості", "Свойства", "Атрибути", "Атрибуты", "Attributes",
		"Параметри", "Параметры",
	},
}

// availableStock lists headers of stock net of reserves. They are never read as
// quantity: KeyCRM subtracts its own reserves from the on-hand figure, so
// pushing an available figure would subtract them twice. Seeing one is worth a
// note, since the operator may have exported the wrong report.
var availableStock = []string{
	"Доступно", "Вільний залишок", "Свободный остаток", "Доступний залишок", "Доступный остаток",
	"Доступна кількість", "Доступное количество", "Available quantity", "Available stock",
	"Free stock", "Free quantity",
}

// flagWords are the values of an availability column, normalised like headers.
// Prom writes + and -, with ! for "to order" and & for "expected"; Rozetka
// templates "Есть" and "Отсутсвует" [sic]; WooCommerce 1, 0 and "backorder".
// Orderable counts as yes: the flag says whether a customer can order.
var flagWords = map[string]catalog.Flag{
	"+": catalog.FlagYes, "!": catalog.FlagYes, "@": catalog.FlagYes,
	"yes": catalog.FlagYes, "y": catalog.FlagYes, "true": catalog.FlagYes, "так": catalog.FlagYes,
	"да": catalog.FlagYes, "є": catalog.FlagYes, "есть": catalog.FlagYes, "в наявності": catalog.FlagYes,
	"в наличии": catalog.FlagYes, "є в наявності": catalog.FlagYes, "есть в наличии": catalog.FlagYes,
	"instock": catalog.FlagYes, "in stock": catalog.FlagYes, "available": catalog.FlagYes,
	"backorder": catalog.FlagYes, "onbackorder": catalog.FlagYes, "on backorder": catalog.FlagYes,
	"під замовлення": catalog.FlagYes, "под заказ": catalog.FlagYes, "наявний": catalog.FlagYes,
	// Google Merchant's availability values that still take orders.
	"limited availability": catalog.FlagYes, "preorder": catalog.FlagYes, "pre order": catalog.FlagYes,
	"on display to order": catalog.FlagYes,

	"-": catalog.FlagNo, "&": catalog.FlagNo, "no": catalog.FlagNo, "n": catalog.FlagNo,
	"false": catalog.FlagNo, "ні": catalog.FlagNo, "нет": catalog.FlagNo, "немає": catalog.FlagNo,
	"нема": catalog.FlagNo, "відсутній": catalog.FlagNo, "відсутня": catalog.FlagNo,
	"відсутнє": catalog.FlagNo, "отсутствует": catalog.FlagNo, "отсутсвует": catalog.FlagNo,
	"немає в наявності": catalog.FlagNo, "нет в наличии": catalog.FlagNo, "outofstock": catalog.FlagNo,
	"out of stock": catalog.FlagNo, "not available": catalog.FlagNo, "unavailable": catalog.FlagNo,
	"очікується": catalog.FlagNo, "ожидается": catalog.FlagNo,
}
