"""The playground page in a real browser: headless Chromium (Debian's chromium
and chromium-driver) driven by selenium (requirements/browser.txt), against the
tools toolbox-local serves at $PLAYGROUND_URL (tests/api/run browser starts it).

Types Chinese text, submits it by keyboard, and checks that the tokens and tags
shown equal the API's own answer; checks keywords the same way, that bad
calculator input shows the API's error text, that a random image shows, that
every request shows its curl command, that nothing overflows a phone-width
screen and that the console stays clean. Saves desktop and phone-width
screenshots into $PLAYGROUND_SCREENSHOTS (docs/playground.md shows them).

Chromium can reach nothing but 127.0.0.1: every host name resolves to nothing,
and background networking, component updates and sync are off.
"""

import json
import os
import shutil
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["PLAYGROUND_URL"].rstrip("/")
SHOTS = os.environ.get("PLAYGROUND_SCREENSHOTS", "target/playground-screenshots")
SEGMENT_TEXT = "小明硕士毕业于中国科学院计算所，后在日本京都大学深造"
KEYWORDS_TEXT = "吉林欧亚置业有限公司增资4.3亿元，增资后，吉林欧亚置业注册资本由7000万元增加到5亿元。"
TRADITIONAL_TEXT = "我們在臺灣學習中文，這個軟體很好用"
checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        raise AssertionError(message)


def api(path, body):
    """The API's own answer to the request the page should have sent."""
    request = urllib.request.Request(
        URL + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def browser():
    for tool in ("chromium", "chromedriver"):
        check(shutil.which(tool), f"{tool} is missing: run scripts/setup browser (Debian's chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in CI
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--window-size=1280,900",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))


def wait_for(driver, css, seconds=10):
    return WebDriverWait(driver, seconds).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def answered(driver, out_id, css, send):
    """Calls send(), then waits for #out_id to change and to hold `css`."""
    before = driver.find_element(By.ID, out_id).get_attribute("innerHTML")
    send()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, out_id).get_attribute("innerHTML") not in (before, "<p>…</p>"))
    return wait_for(driver, f"#{out_id} {css}")


def shown_items(driver):
    items = []
    for token in driver.find_elements(By.CSS_SELECTOR, "#segment-tokens [data-word]"):
        item = {
            "word": token.get_attribute("data-word"),
            "start": int(token.get_attribute("data-start")),
            "end": int(token.get_attribute("data-end")),
        }
        if token.get_attribute("data-tag") is not None:
            item["tag"] = token.get_attribute("data-tag")
        items.append(item)
    return items


def segment_button(driver):
    return driver.find_element(By.CSS_SELECTOR, "#segment-form button[type=submit]")


def segment(driver):
    area = driver.find_element(By.ID, "segment-text")
    area.clear()
    area.send_keys(SEGMENT_TEXT)
    check(area.get_attribute("value") == SEGMENT_TEXT, "the Chinese text was typed")
    # By keyboard: Ctrl+Enter in the text area submits.
    answered(driver, "segment-out", "#segment-tokens", lambda: area.send_keys(Keys.CONTROL, Keys.ENTER))
    expected = api("/segment", {"text": SEGMENT_TEXT, "mode": "default", "hmm": True, "offsets": True, "pos": True})
    shown = shown_items(driver)
    check(shown == expected["tags"], f"tokens and tags shown {shown} equal the API's {expected['tags']}")
    check(any(item["tag"] == "nr" for item in shown), "the HMM names 小明 a person (nr)")
    legend = driver.find_element(By.CSS_SELECTOR, "#segment-out .legend").text
    for tag in {item["tag"] for item in shown}:
        check(tag in legend, f"the legend names tag {tag}")
    check("person name" in legend and "organisation" in legend, f"the legend says the tags in words: {legend}")
    curl = driver.find_element(By.CSS_SELECTOR, "#segment-out .curl-command").text
    check(curl.startswith("curl -H 'content-type: application/json' -d '") and curl.endswith(f"'{URL}/segment'"), curl)
    check(json.loads(curl.split(" -d '", 1)[1].rsplit("' ", 1)[0])["text"] == SEGMENT_TEXT, f"the curl body: {curl}")

    # Offsets on hover and on keyboard focus.
    token = driver.find_elements(By.CSS_SELECTOR, "#segment-tokens [data-word]")[1]
    check("characters 2–4" in token.get_attribute("title"), token.get_attribute("title"))
    driver.execute_script("arguments[0].focus()", token)
    info = driver.find_element(By.ID, "segment-info").text
    check(info.startswith(f"{shown[1]['word']} · {shown[1]['tag']}") and "characters 2–4" in info, info)

    # Search mode, no POS: the words of lcut_for_search with their offsets.
    Select(driver.find_element(By.ID, "segment-mode")).select_by_value("search")
    check(not driver.find_element(By.ID, "segment-pos").is_enabled(), "POS is off outside mode default")
    answered(driver, "segment-out", "#segment-tokens", segment_button(driver).click)
    expected = api("/segment", {"text": SEGMENT_TEXT, "mode": "search", "hmm": True, "offsets": True, "pos": False})
    check(shown_items(driver) == expected["tokens"], f"search-mode tokens {shown_items(driver)} = {expected['tokens']}")
    Select(driver.find_element(By.ID, "segment-mode")).select_by_value("default")
    answered(driver, "segment-out", "#segment-tokens", segment_button(driver).click)

    # Traditional text with jieba's big dictionary: 臺灣 and 學習 stay whole.
    area.clear()
    area.send_keys(TRADITIONAL_TEXT)
    Select(driver.find_element(By.ID, "segment-dictionary")).select_by_value("big")
    answered(driver, "segment-out", "#segment-tokens", segment_button(driver).click)
    expected = api("/segment", {"text": TRADITIONAL_TEXT, "mode": "default", "hmm": True, "offsets": True, "pos": True,
                                "dictionary": "big"})
    shown = shown_items(driver)
    check(shown == expected["tags"], f"big-dictionary tags shown {shown} equal the API's {expected['tags']}")
    check({"臺灣", "學習"} <= {item["word"] for item in shown}, f"the big dictionary keeps 臺灣 and 學習: {shown}")
    curl = driver.find_element(By.CSS_SELECTOR, "#segment-out .curl-command").text
    check('"dictionary":"big"' in curl.replace(" ", ""), f"the curl command names the dictionary: {curl}")
    Select(driver.find_element(By.ID, "segment-dictionary")).select_by_value("")
    area.clear()
    area.send_keys(SEGMENT_TEXT)
    answered(driver, "segment-out", "#segment-tokens", segment_button(driver).click)


def keywords(driver):
    area = driver.find_element(By.ID, "keywords-text")
    area.clear()
    area.send_keys(KEYWORDS_TEXT)
    button = driver.find_element(By.CSS_SELECTOR, "#keywords-form button[type=submit]")
    answered(driver, "keywords-out", "#keywords-list", button.click)
    expected = api("/keywords", {"text": KEYWORDS_TEXT, "method": "tfidf", "topK": 5})["keywords"]
    rows = driver.find_elements(By.CSS_SELECTOR, "#keywords-list li")
    shown = [(r.get_attribute("data-word"), float(r.get_attribute("data-weight"))) for r in rows]
    check(shown == [(k["word"], k["weight"]) for k in expected], f"keywords shown {shown} = the API's {expected}")
    widths = [driver.execute_script("return arguments[0].style.width", r.find_element(By.CSS_SELECTOR, ".bar span")) for r in rows]
    check(widths[0] == "100%" and all(w.endswith("%") for w in widths), f"weight bars {widths}")
    marked = {m.text for m in driver.find_elements(By.CSS_SELECTOR, "#keywords-out mark")}
    check(marked == {k["word"] for k in expected}, f"every keyword is highlighted in the text: {marked}")


def calculator(driver):
    def calculate(num1, operator, num2):
        for field, value in (("calc-num1", num1), ("calc-num2", num2)):
            element = driver.find_element(By.ID, field)
            element.clear()
            element.send_keys(value)
        Select(driver.find_element(By.ID, "calc-operator")).select_by_value(operator)
        # A form submits on Enter.
        send = lambda: driver.find_element(By.ID, "calc-num2").send_keys(Keys.ENTER)  # noqa: E731
        return answered(driver, "calculator-out", ".error, #calculator-result", send)

    shown = calculate("one", "add", "2")
    check(shown.get_attribute("class") == "error" and shown.text == "Invalid input", f"bad input: {shown.text}")
    check(shown.get_attribute("role") == "alert", "errors are announced")
    curl = driver.find_element(By.CSS_SELECTOR, "#calculator-out .curl-command").text
    check(curl == f"curl '{URL}/calculator?num1=one&num2=2&operator=add'", curl)
    shown = calculate("1", "divide", "0")
    check(shown.text == "Cannot divide by zero", shown.text)
    shown = calculate("6", "divide", "3")
    check(shown.text == "= 2", f"6 ÷ 3: {shown.text}")


def random_image(driver):
    image = answered(driver, "image-out", "img", driver.find_element(By.CSS_SELECTOR, "#image-form button").click)
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return arguments[0].complete", image))
    width = driver.execute_script("return arguments[0].naturalWidth", image)
    check(width > 0, f"the random image loaded: {image.get_attribute('src')}")


def screenshot(driver, name, width):
    driver.set_window_size(width, 900)
    time.sleep(0.2)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, height + 140)  # the window's frame, in headless mode too
    time.sleep(0.2)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check(overflow <= 0, f"nothing wider than a {width}px screen (overflow {overflow}px)")
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, f"playground-{name}.png")
    check(driver.save_screenshot(path), f"saved {path}")
    print(f"playground: screenshot {path}", file=sys.stderr)


def main():
    started = time.monotonic()
    driver = browser()
    try:
        driver.set_page_load_timeout(20)
        driver.get(URL + "/")
        check(driver.title == "lambda-toolbox playground", f"the page: {driver.title!r}")
        segment(driver)
        keywords(driver)
        calculator(driver)
        random_image(driver)
        screenshot(driver, "desktop", 1280)
        screenshot(driver, "phone", 390)
        # Chromium logs every 4xx answer to fetch() as a network error; the two
        # bad calculator inputs above are asked for. Anything else (a script
        # error, a missing favicon or image, a 4xx the page did not expect) fails.
        expected = f"{URL}/calculator?num1=one&num2=2&operator=add", f"{URL}/calculator?num1=1&num2=0&operator=divide"
        errors = [
            e for e in driver.get_log("browser")
            if e["level"] == "SEVERE"
            and not (e["source"] == "network" and e["message"].startswith(expected) and "status of 400" in e["message"])
        ]
        check(not errors, f"no console errors: {errors}")
    finally:
        driver.quit()
    print(f"playground: {checks} passed, 0 failed ({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"playground: FAILED: {failure}", file=sys.stderr)
        print(f"playground: {checks - 1} passed, 1 failed")
        sys.exit(1)
