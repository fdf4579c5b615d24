/* Name lists for the synthetic country (see synth_names.h). Order is frequency rank. */
#include "synth/synth_names.h"

#include <string.h>

const struct name_pair synth_given_female[] = {
    {"فاطمة", "Fatima"}, {"مريم", "Maryam"},   {"نور", "Nour"},	     {"سارة", "Sara"},
    {"ليان", "Layan"},	 {"جنى", "Jana"},      {"ريم", "Reem"},	     {"هند", "Hind"},
    {"عائشة", "Aisha"},	 {"زينب", "Zainab"},   {"خديجة", "Khadija"}, {"آمنة", "Amina"},
    {"سلمى", "Salma"},	 {"دانة", "Dana"},     {"لمى", "Lama"},	     {"رغد", "Raghad"},
    {"شهد", "Shahad"},	 {"جود", "Joud"},      {"ملك", "Malak"},     {"تالا", "Tala"},
    {"هيا", "Haya"},	 {"لين", "Leen"},      {"رنا", "Rana"},	     {"أسماء", "Asma"},
    {"حلا", "Hala"},	 {"ياسمين", "Yasmin"}, {"رزان", "Razan"},    {"بشرى", "Bushra"},
    {"إيمان", "Iman"},	 {"هالة", "Hala"},     {"غادة", "Ghada"},    {"وعد", "Waad"},
    {"منى", "Mona"},	 {"سمية", "Sumaya"},   {"رهف", "Rahaf"},     {"ديما", "Dima"},
    {"نادية", "Nadia"},	 {"لجين", "Lujain"},   {"أمل", "Amal"},	     {"روان", "Rawan"},
};
const size_t synth_n_given_female = sizeof synth_given_female / sizeof synth_given_female[0];

const struct name_pair synth_given_male[] = {
    {"محمد", "Mohammed"}, {"أحمد", "Ahmed"},	  {"عبد الله", "Abdullah"},
    {"علي", "Ali"},	  {"عمر", "Omar"},	  {"يوسف", "Youssef"},
    {"خالد", "Khaled"},	  {"إبراهيم", "Ibrahim"}, {"عبد الرحمن", "Abdulrahman"},
    {"حسن", "Hassan"},	  {"حسين", "Hussein"},	  {"مصطفى", "Mustafa"},
    {"سعيد", "Saeed"},	  {"فيصل", "Faisal"},	  {"سلطان", "Sultan"},
    {"ناصر", "Nasser"},	  {"ماجد", "Majed"},	  {"طارق", "Tariq"},
    {"زياد", "Ziad"},	  {"بدر", "Badr"},	  {"فهد", "Fahad"},
    {"راشد", "Rashed"},	  {"سامي", "Sami"},	  {"كريم", "Karim"},
    {"هاني", "Hani"},	  {"وليد", "Walid"},	  {"مازن", "Mazen"},
    {"عادل", "Adel"},	  {"جمال", "Jamal"},	  {"أنس", "Anas"},
    {"حمزة", "Hamza"},	  {"إسماعيل", "Ismail"},  {"عثمان", "Othman"},
    {"مالك", "Malek"},	  {"ريان", "Rayan"},	  {"آدم", "Adam"},
    {"سيف", "Saif"},	  {"تركي", "Turki"},	  {"نايف", "Nayef"},
    {"معاذ", "Moaz"},
};
const size_t synth_n_given_male = sizeof synth_given_male / sizeof synth_given_male[0];

const struct name_pair synth_family[] = {
    {"الزهراني", "Al-Zahrani"}, {"العتيبي", "Al-Otaibi"},
    {"القحطاني", "Al-Qahtani"}, {"الغامدي", "Al-Ghamdi"},
    {"الشمري", "Al-Shammari"},	{"الحربي", "Al-Harbi"},
    {"المطيري", "Al-Mutairi"},	{"الدوسري", "Al-Dosari"},
    {"العنزي", "Al-Anazi"},	{"السبيعي", "Al-Subaie"},
    {"الحداد", "Haddad"},	{"النجار", "Najjar"},
    {"الخطيب", "Khatib"},	{"المصري", "Masri"},
    {"الحلبي", "Halabi"},	{"الشامي", "Shami"},
    {"العلي", "Al-Ali"},	{"الأحمد", "Al-Ahmad"},
    {"السيد", "Al-Sayed"},	{"عبد الرحيم", "Abdelrahim"},
    {"منصور", "Mansour"},	{"يوسف", "Youssef"},
    {"سليمان", "Suleiman"},	{"حمدان", "Hamdan"},
    {"عيسى", "Issa"},		{"بكر", "Bakr"},
    {"صالح", "Saleh"},		{"عوض", "Awad"},
    {"درويش", "Darwish"},	{"البلوشي", "Al-Balushi"},
    {"الكعبي", "Al-Kaabi"},	{"المهيري", "Al-Muhairi"},
    {"الهاشمي", "Al-Hashimi"},	{"النعيمي", "Al-Nuaimi"},
    {"الفلاسي", "Al-Falasi"},	{"الجابري", "Al-Jabri"},
    {"الرشيدي", "Al-Rashidi"},	{"التميمي", "Al-Tamimi"},
    {"البدوي", "Badawi"},	{"الفارس", "Al-Fares"},
    {"القاسم", "Al-Qasim"},	{"الراشد", "Al-Rashed"},
    {"الخالدي", "Al-Khalidi"},	{"الصباح", "Al-Sabah"},
    {"العمري", "Al-Omari"},	{"الشهري", "Al-Shehri"},
    {"الزعبي", "Zoubi"},	{"العبدالله", "Al-Abdullah"},
    {"المالكي", "Al-Maliki"},	{"الكبيسي", "Al-Kubaisi"},
};
const size_t synth_n_family = sizeof synth_family / sizeof synth_family[0];

const char *const synth_latin_female[] = {
    "María",   "Lucía",	 "Ana",	   "Sofía",    "Grace",	      "Mary",	 "Joy",	  "Fatou",
    "Aminata", "Priya",	 "Anjali", "Sunita",   "Maria Clara", "Rosa",	 "Elena", "Chloé",
    "Zoë",     "Léa",	 "Hana",   "Aigerim",  "Nilufar",     "Dilnoza", "Irina", "Olga",
    "Mercy",   "Esther", "Ruth",   "Blessing", "Ayesha",      "Nasrin",
};
const size_t synth_n_latin_female = sizeof synth_latin_female / sizeof synth_latin_female[0];

const char *const synth_latin_male[] = {
    "José",	"Juan",	    "Carlos", "Luis",	"John",	 "Joseph", "Emmanuel", "Moussa",
    "Ibrahima", "Rahul",    "Arjun",  "Ravi",	"Raj",	 "Mateo",  "Ángel",    "André",
    "Jérôme",	"François", "Ivan",   "Dmitri", "Timur", "Bekzod", "Samuel",   "Daniel",
    "Peter",	"Kofi",	    "Kwame",  "Imran",	"Bilal", "Tariq",
};
const size_t synth_n_latin_male = sizeof synth_latin_male / sizeof synth_latin_male[0];

const char *const synth_latin_family[] = {
    "García",	 "Núñez",     "Rodríguez", "Pérez",	 "Santos",   "Reyes",	    "Cruz",
    "Dela Cruz", "Diallo",    "Traoré",	   "Ndiaye",	 "Sharma",   "Patel",	    "Singh",
    "Kumar",	 "Das",	      "Hossain",   "Rahman",	 "Khan",     "Ahmed",	    "Müller",
    "Dubois",	 "Lefèvre",   "Ivanov",	   "Petrov",	 "Karimov",  "Tashkentova", "Okafor",
    "Mensah",	 "Owusu",     "Haile",	   "Tesfaye",	 "Bekele",   "O'Brien",	    "D'Souza",
    "Fernandes", "Gonçalves", "Mendoza",   "Villanueva", "Bautista",
};
const size_t synth_n_latin_family = sizeof synth_latin_family / sizeof synth_latin_family[0];

static const char *const variants[][2] = {
    {"Mohammed", "Mohamed"}, {"Mohamed", "Muhammad"}, {"Ahmed", "Ahmad"},     {"Youssef", "Yousef"},
    {"Khaled", "Khalid"},    {"Mustafa", "Mostafa"},  {"Saeed", "Said"},      {"Tariq", "Tarek"},
    {"Hussein", "Husain"},   {"Hassan", "Hasan"},     {"Ibrahim", "Ebrahim"}, {"Fatima", "Fatma"},
    {"Maryam", "Mariam"},    {"Nour", "Noor"},	      {"Sara", "Sarah"},      {"Aisha", "Aysha"},
    {"Zainab", "Zeinab"},    {"Khadija", "Khadeeja"}, {"Amina", "Aminah"},    {"Yasmin", "Yasmine"},
    {"Iman", "Eman"},	     {"Mona", "Muna"},	      {"Sumaya", "Somaya"},   {"Nadia", "Nadiya"},
    {"John", "Jon"},	     {"Joseph", "Josef"},     {"Mary", "Marie"},      {"Sofía", "Sophia"},
    {"Daniel", "Danial"},    {"Peter", "Pieter"},     {"Ivan", "Iwan"},	      {"Olga", "Olha"},
    {"Irina", "Iryna"},	     {"Priya", "Pria"},	      {"Rahul", "Raul"},      {"Mercy", "Mersy"},
    {"Grace", "Gracie"},
};

const char *synth_latin_variant(const char *name)
{
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
		if (strcmp(variants[i][0], name) == 0)
			return variants[i][1];
	return NULL;
}
