#include <cctype>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace $NS {

struct $T {
    std::string key;
    std::vector<double> values;
};

std::optional<$T> parse_line(const std::string &line)
{
    auto colon = line.find(':');
    if (colon == std::string::npos)
        return std::nullopt;
    $T rec;
    rec.key = line.substr(0, colon);
    std::istringstream rest(line.substr(colon + 1));
    double v = 0.0;
    while (rest >> v)
        rec.values.push_back(v);
    return rec;
}

double mean(const $T &rec)
{
    if (rec.values.empty())
        return 0.0;
    double sum = 0.0;
    for (double v : rec.values)
        sum += v;
    return sum / static_cast<double>(rec.values.size());
}

}  // namespace $NS

int main()
{
    std::string line;
    std::vector<$NS::$T> records;
    while (std::getline(std::cin, line)) {
        auto rec = $NS::parse_line(line);
        if (rec)
            records.push_back(*rec);
    }
    for (const auto &r : records)
        std::cout << r.key << " " << $NS::mean(r) << "\n";
    return 0;
}
